// The e2e files run one at a time (they freeze shared processes); contract
// fuzzing goes next to last, so the thousands of requests it makes never sit
// in front of another test's events, and the drills last: they kill, freeze
// and restart processes, and nothing after them should depend on how the stack
// came out of that.
const Sequencer = require('@jest/test-sequencer').default;

class EndToEndSequencer extends Sequencer {
  sort(tests) {
    // The cluster suite (charts/cluster-test): faults after the plain flows, uninstall last.
    const rank = (test) =>
      test.path.includes('uninstall') ? 3 : test.path.includes('drills') || test.path.includes('under-load') ? 2 : test.path.includes('contract-fuzzing') ? 1 : 0;
    return [...tests].sort((a, b) => rank(a) - rank(b) || a.path.localeCompare(b.path));
  }
}

module.exports = EndToEndSequencer;
