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

// TestNATSRestart restarts the NATS server (same port, same store) mid-run
// under 2 replicas: webhooks refused meanwhile are retried by the front (as
// mluvii would), and every acked event runs to the end exactly once, in order.
func TestNATSRestart(t *testing.T) {
	checkGoroutines(t)
	ts := startNATS(t)
	l := newLedger()
	reps := []*replica{
		startReplica(t, ts, "r0", testConfig(), l, 5*time.Millisecond),
		startReplica(t, ts, "r1", testConfig(), l, 5*time.Millisecond),
	}
	f := newFront(reps...)
	defer f.close()
	send(f, l, 10, 10, 10*time.Millisecond, func() {
		ts.stop()
		time.Sleep(300 * time.Millisecond)
		ts.start()
	})
	acked, lost, dup := l.settle(t)
	if acked != 100 || lost != 0 || dup != 0 || l.misorder != 0 || l.overlap != 0 {
		t.Errorf("acked %d of 100, lost %d, duplicated %d, out of order %d, overlapping %d; want 100, 0, 0, 0, 0",
			acked, lost, dup, l.misorder, l.overlap)
	}
}

// TestConnectionDropped drops one replica's NATS connection mid-run (the
// server kicks it); it reconnects and the run ends as if nothing happened.
func TestConnectionDropped(t *testing.T) {
	checkGoroutines(t)
	ts := startNATS(t)
	l := newLedger()
	reps := []*replica{
		startReplica(t, ts, "r0", testConfig(), l, 5*time.Millisecond),
		startReplica(t, ts, "r1", testConfig(), l, 5*time.Millisecond),
	}
	f := newFront(reps...)
	defer f.close()
	send(f, l, 10, 10, 10*time.Millisecond, func() {
		id, err := reps[0].nc.GetClientID()
		if err == nil {
			err = ts.s.DisconnectClientByID(id)
		}
		if err != nil {
			t.Errorf("dropping the connection: %v", err)
		}
	})
	acked, lost, dup := l.settle(t)
	if acked != 100 || lost != 0 || dup != 0 || l.misorder != 0 || l.overlap != 0 {
		t.Errorf("acked %d of 100, lost %d, duplicated %d, out of order %d, overlapping %d; want 100, 0, 0, 0, 0",
			acked, lost, dup, l.misorder, l.overlap)
	}
	if reps[0].nc.Stats().Reconnects == 0 {
		t.Error("the dropped connection did not reconnect")
	}
}
