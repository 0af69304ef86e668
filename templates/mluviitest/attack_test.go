package mluviitest

// Reproductions of the attack review (branch attack).

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestAttackRecordingSessionsQuadratic: Recording.Sessions (and
// PlayRecording's Session per id) scan every entry per session: a recording
// of n one-line sessions costs n²/2 comparisons. 60 000 lines are 4 MB.
func TestAttackRecordingSessionsQuadratic(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"format":"mluvii-recording","version":1}` + "\n")
	const n = 60_000
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, `{"t":0,"dir":"out","session":%d,"activity":"Text","status":200,"body":{}}`+"\n", i)
	}
	rec, err := ReadRecording(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	ids := rec.Sessions()
	took := time.Since(began)
	t.Logf("%d bytes, %d sessions: Sessions() took %v", b.Len(), len(ids), took)
	if took > 300*time.Millisecond {
		t.Errorf("Sessions() of %d entries took %v: index the sessions in one pass (a map)", n, took)
	}
}

// TestAttackReplayGapFromTheFile: with ReplayGaps the recorded "t" is slept
// for, unbounded: a downloaded recording whose second event is at t=1e12 ms
// (31 years) makes the replay sleep until the test binary's -timeout kills it.
func TestAttackReplayGapFromTheFile(t *testing.T) {
	file := recordedWithTimes(t, func(events int, recorded time.Duration) time.Duration {
		if events >= 2 {
			return 1e12 * time.Millisecond
		}
		return recorded
	})
	if !bytes.Contains(file, []byte(`"t":1e+12`)) && !bytes.Contains(file, []byte(`"t":1000000000000`)) {
		t.Fatalf("the recording lacks the huge t:\n%s", file)
	}
	srv := NewServer(t)
	recordedBot.start(t, srv, nil)
	done := make(chan error, 1)
	go func() {
		r, err := ReadRecording(bytes.NewReader(file))
		if err != nil {
			done <- err
			return
		}
		done <- srv.PlayRecording(r, ReplayGaps(1), ReplaySettle(0), ReplayTimeout(time.Second))
	}()
	select {
	case err := <-done:
		t.Logf("replay returned: %v", err)
	case <-time.After(10 * time.Second):
		t.Errorf("a replay with ReplayGaps(1) of a recording whose t jumps by 31 years still sleeps after 10 s: bound the gap (e.g. by ReplayTimeout)")
	}
}

// TestAttackRecordingDeepNesting: 10⁵ levels in a body are refused with an
// error (no stack overflow), and so are 10⁷ (one line of 20 MB).
func TestAttackRecordingDeepNesting(t *testing.T) {
	for _, depth := range []int{100_000, 10_000_000} {
		line := `{"t":0,"dir":"in","session":1,"activity":"Text","status":200,"body":{"a":` +
			strings.Repeat("[", depth) + strings.Repeat("]", depth) + "}}"
		_, err := ReadRecording(strings.NewReader(`{"format":"mluvii-recording","version":1}` + "\n" + line))
		if err == nil {
			t.Errorf("depth %d: read without an error", depth)
		}
	}
}

// TestAttackPromptsGrowPastTheBound: the bound on pending prompts is checked
// with == in deferPrompt; answer() puts a prompt back when the delivery is
// refused (ErrOverloaded) after the lock was released, so a prompt the bot
// opened meanwhile makes 17, and from then on nothing is ever dropped.
func TestAttackPromptsGrowPastTheBound(t *testing.T) {
	srv, _, sess := start(t, WithMaxDeliveries(1))
	for range maxPrompts {
		srv.botPost(t, body(sess, openPrompt))
	}
	// UploadToPrompt's first step, under the lock, as it runs it.
	srv.mu.Lock()
	p, err := sess.takePrompt(PromptUpload)
	srv.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	// Meanwhile the bot opens another prompt, and a delivery is pending.
	srv.botPost(t, body(sess, openPrompt))
	srv.mu.Lock()
	srv.deliveries++
	srv.mu.Unlock()
	if err := sess.answer(p, promptAnswers[PromptUpload].uploaded("http://x/")); err == nil {
		t.Fatal("the answer was not refused")
	}
	srv.mu.Lock()
	srv.deliveries--
	srv.mu.Unlock()
	for range 20 {
		srv.botPost(t, body(sess, openPrompt))
	}
	if n := len(sess.Prompts()); n > maxPrompts+1 {
		t.Errorf("%d prompts pending, the bound is %d", n, maxPrompts)
	}
}
