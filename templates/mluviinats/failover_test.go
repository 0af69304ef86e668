package mluviinats

import (
	"fmt"
	"testing"
	"time"
)

// TestReplicaKilled runs 2 and 3 replicas behind a round-robin front, crashes
// one mid-run, and checks that every acked event ran to the end exactly once,
// in its session's order, never two of a session at once.
func TestReplicaKilled(t *testing.T) {
	for _, n := range []int{2, 3} {
		t.Run(fmt.Sprintf("%d replicas", n), func(t *testing.T) {
			checkGoroutines(t)
			ts := startNATS(t)
			l := newLedger()
			var reps []*replica
			for i := range n {
				reps = append(reps, startReplica(t, ts, fmt.Sprint("r", i), testConfig(), l, 5*time.Millisecond))
			}
			f := newFront(reps...)
			defer f.close()
			send(f, l, 12, 10, 10*time.Millisecond, reps[0].kill)
			acked, lost, dup := l.settle(t)
			if acked != 120 || lost != 0 || dup != 0 || l.misorder != 0 || l.overlap != 0 {
				t.Errorf("acked %d of 120, lost %d, duplicated %d, out of order %d, overlapping %d; want 120, 0, 0, 0, 0",
					acked, lost, dup, l.misorder, l.overlap)
			}
			var redelivered int64
			for _, r := range reps[1:] {
				redelivered += r.c.Stats().Redelivered
			}
			t.Logf("acked %d, finished %d, redelivered to survivors %d", acked, l.completed.Load(), redelivered)
		})
	}
}
