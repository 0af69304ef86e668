package mluviinats

import (
	"context"
	"fmt"
	"sync"
	"testing"

	mluvii "github.com/mluviigen/mluviigen/templates/runtime"
)

// TestSessionStateAcrossReplicas: with the cluster's SessionStore, each
// event of a session sees what the previous one saved, whichever replica ran
// it; ConversationEnded deletes the state from the bucket.
func TestSessionStateAcrossReplicas(t *testing.T) {
	checkGoroutines(t)
	ts := startNATS(t)
	l := newLedger()
	type flow struct{ Seen []string }
	var mu sync.Mutex
	ranOn := map[string]int{}
	var reps []*replica
	for _, name := range []string{"a", "b"} {
		var st *mluvii.SessionState[flow]
		r := startReplicaWith(t, ts, name, testConfig(), l, 0, func(c *Cluster) []DispatcherOption {
			st = mluvii.NewSessionState[flow](mluvii.WithSessionStore(c.SessionStore()))
			return []DispatcherOption{mluvii.WithSessionState(st)}
		})
		// Registered after Start: the dispatcher takes new handlers at
		// once, and nothing was sent yet.
		r.d.OnText(func(ctx context.Context, a *mluvii.Text) error {
			s, err := st.Get(ctx)
			if err != nil {
				return err
			}
			s.Seen = append(s.Seen, a.Text)
			mu.Lock()
			ranOn[name]++
			mu.Unlock()
			l.completed.Add(1)
			return nil
		})
		reps = append(reps, r)
	}
	f := newFront(reps...)
	defer f.close()
	for i := range 6 {
		if !f.post(textBody(42, i)) {
			t.Fatalf("event %d not acked", i)
		}
	}
	waitFor(t, "six events", func() bool { return l.completed.Load() == 6 })
	mu.Lock()
	if ranOn["a"] == 0 || ranOn["b"] == 0 {
		t.Errorf("events ran on %v; want both replicas", ranOn)
	}
	mu.Unlock()
	data, err := reps[0].c.SessionStore().Load(context.Background(), 42)
	if want := `{"Seen":["0","1","2","3","4","5"]}`; err != nil || string(data) != want {
		t.Errorf("stored state %s (%v), want %s", data, err, want)
	}
	if !f.post(fmt.Appendf(nil, `{"activity":"ConversationEnded","sessionId":42}`)) {
		t.Fatal("ConversationEnded not acked")
	}
	waitFor(t, "the state to be deleted", func() bool {
		data, err := reps[1].c.SessionStore().Load(context.Background(), 42)
		return err == nil && data == nil
	})
}
