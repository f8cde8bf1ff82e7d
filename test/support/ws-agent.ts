/**
 * The scriptable WebSocket agent of the test suites. It is the simulated agent of `ampgate demo`
 * (src/demo/simulated-agent.ts): one implementation for tests and the demo fleet.
 */
export {
  DEFAULT_CAPS,
  RESTARTABLE_CAPS,
  SimulatedAgent as TestAgent,
  equalBytes,
  ignoreReply,
  kv,
  type SimulatedAgentOptions as TestAgentOptions,
} from '../../src/demo/simulated-agent.js';
