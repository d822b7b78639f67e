/**
 * Every kind of command-line mistake, in every command, on the built CLI as a real process: exactly
 * one line on stderr, `h2race <command>: …` naming the flag or value (and the nearest valid one
 * where there is one), nothing on stdout, no help text, exit code 2. Each case would start
 * something if it were accepted, so a mistake let through shows as a different line or a timeout.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../cli/exit-codes.js';
import { ensureCliBuilt } from '../hostile/proxy-process.js';
import { runCliProcess } from './run-cli.js';

let dir: string;
let pem: string;
beforeAll(() => {
  ensureCliBuilt();
  dir = mkdtempSync(join(tmpdir(), 'h2race-usage-'));
  pem = join(dir, 'cert.pem');
  writeFileSync(pem, 'not checked: the pair is refused first\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Everything a proxy would need to start, so only the mistake under test can stop it.
const PROXY = ['proxy', '--origin', 'h2c://127.0.0.1:9', '--listen', '127.0.0.1:0', '--state-dir', '.h2race', '--log-level', 'silent'];
const TARGET = ['--target', 'https://127.0.0.1:9', '--duration', '0.1'];

type Case = [kind: string, args: () => string[], line: () => string];

const cases: Case[] = [
  // unknown command / flag / argument
  ['unknown command', () => ['prox'], () => 'h2race: unknown command "prox" (did you mean proxy?)'],
  ['no command', () => [], () => 'h2race: name a command: origin, scenario, compare, proxies, toxic, server, proxy'],
  ['unknown subcommand', () => ['toxic', 'ad', 'redis'], () => 'h2race toxic: unknown command "ad" (did you mean add?)'],
  ['no subcommand', () => ['proxies'], () => 'h2race proxies: name a command: list, create, delete, toggle, inspect'],
  ['unknown flag (proxy)', () => [...PROXY, '--listn', '127.0.0.1:0'], () => 'h2race proxy: unknown flag --listn (did you mean --listen?)'],
  ['unknown flag before a missing required one', () => ['scenario', '--targt', 'https://127.0.0.1:9'], () => 'h2race scenario: unknown flag --targt (did you mean --target?)'],
  ['unknown flag (compare)', () => ['compare', '--mode', 'retain'], () => 'h2race compare: unknown flag --mode (did you mean --modes?)'],
  ['unknown flag (origin)', () => ['origin', '--tsl', '127.0.0.1:0'], () => 'h2race origin: unknown flag --tsl (did you mean --tls?)'],
  ['unknown flag (server)', () => ['server', '--prot', '0'], () => 'h2race server: unknown flag --prot (did you mean --port?)'],
  ['unknown flag (toxic)', () => ['toxic', 'add', 'redis', '-t', 'latency', '--toxicname', 'x'], () => 'h2race toxic add: unknown flag --toxicname (did you mean --toxicName?)'],
  ['unknown flag, nothing near', () => ['proxies', 'list', '--zzzzzz'], () => 'h2race proxies list: unknown flag --zzzzzz'],
  ['stray argument', () => ['server', 'now'], () => 'h2race server: unexpected argument "now"'],
  // missing required
  ['missing required flag', () => ['scenario'], () => 'h2race scenario: missing required flag --target'],
  ['missing required flag (proxies)', () => ['proxies', 'create', 'redis'], () => 'h2race proxies create: missing required flag --upstream'],
  ['missing origin', () => ['proxy', '--listen', '127.0.0.1:0'], () => 'h2race proxy: missing required flag --origin (or proxy.origin in the config file)'],
  ['missing positional', () => ['toxic', 'add', '-t', 'latency'], () => 'h2race toxic add: missing <proxy>: h2race toxic add <proxy>'],
  ['missing value', () => ['scenario', ...TARGET, '--seed'], () => 'h2race scenario: --seed needs a value'],
  // bad number
  ['not a number', () => ['scenario', ...TARGET, '--seed', 'abc'], () => 'h2race scenario: --seed must be an integer, got "abc"'],
  ['out of range', () => ['compare', '--viewers', '0'], () => 'h2race compare: --viewers must be an integer from 1 to 1000, got "0"'],
  ['not a bitrate', () => ['compare', '--video-bitrate', '0'], () => 'h2race compare: --video-bitrate must be a number from 0.001 to 10000, got "0"'],
  ['not a port', () => ['server', '--port', '99999'], () => 'h2race server: --port must be an integer from 0 to 65535, got "99999"'],
  ['not an integer (proxy)', () => [...PROXY, '--downstream-max-frame-size', 'big'], () => 'h2race proxy: --downstream-max-frame-size must be an integer, got "big"'],
  ['below the protocol minimum', () => [...PROXY, '--downstream-max-frame-size', '5'], () => 'h2race proxy: --downstream-max-frame-size: Too small: expected number to be >=16384'],
  ['below the minimum (an upstream flag)', () => [...PROXY, '--max-sessions', '0'], () => 'h2race proxy: --max-sessions: Too small: expected number to be >=1'],
  ['not a duration', () => [...PROXY, '--latency', 'soon'], () => 'h2race proxy: --latency: "soon" is not a duration (e.g. 80ms or 1.5s); units: ms, s'],
  ['not a probability', () => ['toxic', 'add', 'redis', '-t', 'latency', '--toxicity', '2'], () => 'h2race toxic add: --toxicity must be a number from 0 to 1, got "2"'],
  ['not a size', () => ['origin', '--video-size', '-1'], () => 'h2race origin: --video-size must be an integer at least 0, got "-1"'],
  // bad enum
  ['pool mode', () => [...PROXY, '--pool', 'retian'], () => 'h2race proxy: --pool "retian" is not one of none, release-on-reset, discard-on-reset, retain (did you mean retain?)'],
  ['pool modes', () => ['compare', '--modes', 'none', 'relase-on-reset'], () => 'h2race compare: --modes "relase-on-reset" is not one of none, release-on-reset, discard-on-reset, retain, window-leak-on-reset, window-credit-on-reset, hpack-drop-refused, hpack-decode-refused (did you mean release-on-reset?)'],
  ['preset', () => ['scenario', ...TARGET, '--profile', '3gg'], () => 'h2race scenario: --profile "3gg" is neither a preset nor a profile file (did you mean 3g?)'],
  ['preset, nothing near', () => [...PROXY, '--profile', 'dialup'], () => 'h2race proxy: --profile "dialup" is neither a preset nor a profile file (presets: lan, wifi, fios, cable, dsl, lte, 4g, 4g-slow, 3g, 3g-slow, 2g, edge, satellite, intercontinental, transatlantic, lossy-mobile)'],
  ['toxic type', () => ['toxic', 'add', 'redis', '-t', 'latenc'], () => 'h2race toxic add: --type "latenc" is not a toxic type (did you mean latency?)'],
  ['log level', () => ['proxy', '--origin', 'h2c://127.0.0.1:9', '--listen', '127.0.0.1:0', '--log-level', 'warning'], () => 'h2race proxy: --log-level "warning" is not one of silent, fatal, error, warn, info, debug, trace (did you mean warn?)'],
  ['verifier', () => ['scenario', ...TARGET, '--verify', 'refrence'], () => 'h2race scenario: --verify "refrence" is not one of demo, reference (did you mean reference?)'],
  // bad file path
  ['certificate not there', () => [...PROXY, '--cert', join(dir, 'nope.pem'), '--key', pem], () => `h2race proxy: --cert "${join(dir, 'nope.pem')}": no such file`],
  ['config not there', () => ['server', '--config', join(dir, 'nope.yaml')], () => `h2race server: --config "${join(dir, 'nope.yaml')}": no such file`],
  ['CA is a directory', () => ['scenario', ...TARGET, '--ca', dir], () => `h2race scenario: --ca "${dir}": is a directory, not a file`],
  ['video file not there', () => ['origin', '--video-file', join(dir, 'movie.mp4')], () => `h2race origin: --video-file "${join(dir, 'movie.mp4')}": no such file`],
  ['report directory not there', () => ['compare', '--html', join(dir, 'no/dir/report.html')], () => `h2race compare: --html "${join(dir, 'no/dir/report.html')}": directory ${join(dir, 'no/dir')} does not exist`],
  ['trace not there', () => [...PROXY, '--trace-down', join(dir, 'x.down')], () => `h2race proxy: --trace-down "${join(dir, 'x.down')}": no such file`],
  // flag pairs
  ['removed flag', () => [...PROXY, '--engine', 'node'], () => 'h2race proxy: --engine: removed: the TLS and h2c fronts always run on h2race\'s own engine'],
  ['--cert without --key', () => [...PROXY, '--cert', pem], () => 'h2race proxy: --cert needs --key (give both or neither)'],
  ['--key without --cert', () => ['origin', '--key', pem], () => 'h2race origin: --key needs --cert (give both or neither)'],
  ['--demo with --origin', () => ['compare', '--demo', '--origin', 'https://127.0.0.1:9'], () => 'h2race compare: --demo and --origin exclude each other'],
  ['--upstream with --downstream', () => ['toxic', 'add', 'redis', '-t', 'latency', '-u', '-d'], () => 'h2race toxic add: --upstream and --downstream exclude each other'],
  // yargs-parser alone would add these up (3 + 1: a repeated 1 counts as an increment) and run seed 4.
  ['a flag given twice', () => ['scenario', ...TARGET, '--seed', '3', '--seed', '1'], () => 'h2race scenario: --seed given 2 times: give it once'],
  ['a flag given twice under two names', () => ['scenario', ...TARGET, '--profile', '3g', '--shape', '4g'], () => 'h2race scenario: --profile given 2 times: give it once'],
  ['--verify reference without a URL', () => ['compare', '--verify', 'reference'], () => 'h2race compare: --verify reference needs --reference <h2 URL>'],
  // bad host:port / URL
  ['listener', () => ['proxy', '--origin', 'h2c://127.0.0.1:9', '--listen', 'localhost'], () => 'h2race proxy: --listen: expected host:port (IPv6 as [::1]:port), port 0-65535'],
  ['API listener', () => [...PROXY, '--api', '8474'], () => 'h2race proxy: --api "8474" is not host:port (IPv6 as [::1]:port, port 0-65535)'],
  ['origin listener', () => ['origin', '--h2c', '127.0.0.1:70000'], () => 'h2race origin: --h2c: expected host:port (e.g. 127.0.0.1:9443), got "127.0.0.1:70000"'],
  ['proxy listener', () => ['proxies', 'create', 'redis', '--upstream', '127.0.0.1:6379', '--listen', 'nowhere'], () => 'h2race proxies create: --listen "nowhere" is not host:port (IPv6 as [::1]:port, port 0-65535)'],
  ['target URL', () => ['scenario', '--target', '127.0.0.1:8443'], () => 'h2race scenario: --target "127.0.0.1:8443" is not a URL (expected https://host:port or h2c://host:port or http://host:port)'],
  ['origin URL', () => ['proxy', '--origin', 'ftp://127.0.0.1:21', '--listen', '127.0.0.1:0'], () => 'h2race proxy: --origin: expected an origin URL https://host[:port], http://host[:port] or h2c://host[:port] (no path)'],
  ['API URL', () => ['proxies', 'list', '--host', 'localhost:8474'], () => 'h2race proxies list: --host "localhost:8474" is not a URL (expected http://host:port or https://host:port)'],
];

describe('command-line errors: one line, exit 2, no help', () => {
  it.each(cases)('%s', { timeout: 30_000 }, async (_kind, args, line) => {
    const run = await runCliProcess(args(), dir);
    expect({ stderr: run.stderr, stdout: run.stdout, code: run.code }).toEqual({ stderr: [line()], stdout: [], code: ExitCode.Usage });
  });

  it('none of them left anything behind in the working directory', () => {
    expect(readdirSync(dir).sort()).toEqual(['cert.pem']);
  });
});
