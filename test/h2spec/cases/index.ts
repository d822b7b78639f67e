/**
 * Every ported h2spec server group, in the order h2spec runs them (generic, http2, hpack; each
 * group before its subgroups), and their cases numbered as h2spec numbers them.
 */
import { casesOf, type SpecCase, type SpecGroup } from '../spec.js';
import { startingHttp2 as genericStartingHttp2 } from './generic-1-starting-http2.js';
import { streamsAndMultiplexing as genericStreamsAndMultiplexing } from './generic-2-streams-and-multiplexing.js';
import { data as genericData } from './generic-3-1-data.js';
import { headers as genericHeaders } from './generic-3-2-headers.js';
import { priority as genericPriority } from './generic-3-3-priority.js';
import { rstStream as genericRstStream } from './generic-3-4-rst-stream.js';
import { settings as genericSettings } from './generic-3-5-settings.js';
import { ping as genericPing } from './generic-3-7-ping.js';
import { goAway as genericGoAway } from './generic-3-8-goaway.js';
import { windowUpdate as genericWindowUpdate } from './generic-3-9-window-update.js';
import { continuation as genericContinuation } from './generic-3-10-continuation.js';
import { httpMessageExchanges as genericHttpMessageExchanges } from './generic-4-http-message-exchanges.js';
import { hpack as genericHpack } from './generic-5-hpack.js';
import { http2ConnectionPreface as http2Http2ConnectionPreface } from './http2-3-5-http2-connection-preface.js';
import { frameFormat as http2FrameFormat } from './http2-4-1-frame-format.js';
import { frameSize as http2FrameSize } from './http2-4-2-frame-size.js';
import { headerCompressionAndDecompression as http2HeaderCompressionAndDecompression } from './http2-4-3-header-compression-and-decompression.js';
import { streamStates as http2StreamStates } from './http2-5-1-stream-states.js';
import { streamIdentifiers as http2StreamIdentifiers } from './http2-5-1-1-stream-identifiers.js';
import { streamConcurrency as http2StreamConcurrency } from './http2-5-1-2-stream-concurrency.js';
import { streamDependencies as http2StreamDependencies } from './http2-5-3-1-stream-dependencies.js';
import { connectionErrorHandling as http2ConnectionErrorHandling } from './http2-5-4-1-connection-error-handling.js';
import { extendingHttp2 as http2ExtendingHttp2 } from './http2-5-5-extending-http2.js';
import { data as http2Data } from './http2-6-1-data.js';
import { headers as http2Headers } from './http2-6-2-headers.js';
import { priority as http2Priority } from './http2-6-3-priority.js';
import { rstStream as http2RstStream } from './http2-6-4-rst-stream.js';
import { settings as http2Settings } from './http2-6-5-settings.js';
import { definedSettingsParameters as http2DefinedSettingsParameters } from './http2-6-5-2-defined-settings-parameters.js';
import { settingsSynchronization as http2SettingsSynchronization } from './http2-6-5-3-settings-synchronization.js';
import { ping as http2Ping } from './http2-6-7-ping.js';
import { goAway as http2GoAway } from './http2-6-8-goaway.js';
import { windowUpdate as http2WindowUpdate } from './http2-6-9-window-update.js';
import { theFlowControlWindow as http2TheFlowControlWindow } from './http2-6-9-1-the-flow-control-window.js';
import { initialFlowControlWindowSize as http2InitialFlowControlWindowSize } from './http2-6-9-2-initial-flow-control-window-size.js';
import { continuation as http2Continuation } from './http2-6-10-continuation.js';
import { errorCodes as http2ErrorCodes } from './http2-7-error-codes.js';
import { httpRequestResponseExchange as http2HttpRequestResponseExchange } from './http2-8-1-http-request-response-exchange.js';
import { httpHeaderFields as http2HttpHeaderFields } from './http2-8-1-2-http-header-fields.js';
import { pseudoHeaderFields as http2PseudoHeaderFields } from './http2-8-1-2-1-pseudo-header-fields.js';
import { connectionSpecificHeaderFields as http2ConnectionSpecificHeaderFields } from './http2-8-1-2-2-connection-specific-header-fields.js';
import { requestPseudoHeaderFields as http2RequestPseudoHeaderFields } from './http2-8-1-2-3-request-pseudo-header-fields.js';
import { malformedRequestsAndResponses as http2MalformedRequestsAndResponses } from './http2-8-1-2-6-malformed-requests-and-responses.js';
import { serverPush as http2ServerPush } from './http2-8-2-server-push.js';
import { indexAddressSpace as hpackIndexAddressSpace } from './hpack-2-3-3-index-address-space.js';
import { maximumTableSize as hpackMaximumTableSize } from './hpack-4-2-maximum-table-size.js';
import { stringLiteralRepresentation as hpackStringLiteralRepresentation } from './hpack-5-2-string-literal-representation.js';
import { indexedHeaderFieldRepresentation as hpackIndexedHeaderFieldRepresentation } from './hpack-6-1-indexed-header-field-representation.js';
import { dynamicTableSizeUpdate as hpackDynamicTableSizeUpdate } from './hpack-6-3-dynamic-table-size-update.js';

export const h2specGroups: readonly SpecGroup[] = [
  genericStartingHttp2,
  genericStreamsAndMultiplexing,
  genericData,
  genericHeaders,
  genericPriority,
  genericRstStream,
  genericSettings,
  genericPing,
  genericGoAway,
  genericWindowUpdate,
  genericContinuation,
  genericHttpMessageExchanges,
  genericHpack,
  http2Http2ConnectionPreface,
  http2FrameFormat,
  http2FrameSize,
  http2HeaderCompressionAndDecompression,
  http2StreamStates,
  http2StreamIdentifiers,
  http2StreamConcurrency,
  http2StreamDependencies,
  http2ConnectionErrorHandling,
  http2ExtendingHttp2,
  http2Data,
  http2Headers,
  http2Priority,
  http2RstStream,
  http2Settings,
  http2DefinedSettingsParameters,
  http2SettingsSynchronization,
  http2Ping,
  http2GoAway,
  http2WindowUpdate,
  http2TheFlowControlWindow,
  http2InitialFlowControlWindowSize,
  http2Continuation,
  http2ErrorCodes,
  http2HttpRequestResponseExchange,
  http2HttpHeaderFields,
  http2PseudoHeaderFields,
  http2ConnectionSpecificHeaderFields,
  http2RequestPseudoHeaderFields,
  http2MalformedRequestsAndResponses,
  http2ServerPush,
  hpackIndexAddressSpace,
  hpackMaximumTableSize,
  hpackStringLiteralRepresentation,
  hpackIndexedHeaderFieldRepresentation,
  hpackDynamicTableSizeUpdate,
];

export const h2specCases: readonly SpecCase[] = h2specGroups.flatMap(casesOf);
