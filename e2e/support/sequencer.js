// The e2e files run one at a time (they freeze shared processes); contract
// fuzzing goes last, so the thousands of requests it makes never sit in front
// of another test's events.
const Sequencer = require('@jest/test-sequencer').default;

class EndToEndSequencer extends Sequencer {
  sort(tests) {
    const last = (test) => (test.path.includes('contract-fuzzing') ? 1 : 0);
    return [...tests].sort((a, b) => last(a) - last(b) || a.path.localeCompare(b.path));
  }
}

module.exports = EndToEndSequencer;
