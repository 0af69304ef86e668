package mluviinats

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	mluvii "github.com/mluviigen/mluviigen/templates/runtime"
)

// TestAndWaitThroughFailures runs …AndWait calls on two of three replicas
// while mluvii's answers arrive at any live replica, and mid-run crashes the
// third replica and then restarts NATS. Every call ends answered with its
// own session's response, or with an error (its deadline, or a claim NATS
// could not store during the restart); none hangs, and no waiter is left.
func TestAndWaitThroughFailures(t *testing.T) {
	checkGoroutines(t)
	ts := startNATS(t)
	l := newLedger()
	reps := []*replica{
		startReplica(t, ts, "a", testConfig(), l, 0),
		startReplica(t, ts, "b", testConfig(), l, 0),
		startReplica(t, ts, "c", testConfig(), l, 0),
	}
	var toHandler atomic.Int64
	for _, r := range reps {
		r.d.OnGetCallParamsResponse(func(context.Context, *mluvii.GetCallParamsResponse) error {
			toHandler.Add(1)
			return nil
		})
	}
	f := newFront(reps...)
	defer f.close()
	// mluvii answers each GetCallParams after a moment, at whichever
	// replica the front picks.
	var answers sync.WaitGroup
	mock := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, err := mluvii.Decode(mustRead(r))
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusOK)
		if _, ok := a.(*mluvii.GetCallParams); ok {
			answers.Go(func() {
				time.Sleep(20 * time.Millisecond)
				f.post(callParamsBody(a.Session()))
			})
		}
	}))
	defer mock.Close()
	defer answers.Wait()

	// Each caller makes calls until the failures are over and it made at
	// least minCalls; the failures start once a third of those were made.
	const callers, minCalls = 6, 20
	var answered, timedOut, other, made atomic.Int64
	var failures sync.Once
	recovered := make(chan struct{})
	var wg sync.WaitGroup
	for i := range callers {
		r := reps[i%2]
		client := mluvii.NewClient(mock.URL, 1, mluvii.WithTokenSource(mluvii.StaticToken("t")), mluvii.WithDispatcher(r.d))
		wg.Go(func() {
			for n := 0; ; n++ {
				if n >= minCalls {
					select {
					case <-recovered:
						return
					default:
					}
				}
				if made.Add(1) == callers*minCalls/3 {
					failures.Do(func() {
						go func() {
							defer close(recovered)
							reps[2].kill()
							time.Sleep(200 * time.Millisecond)
							ts.stop()
							time.Sleep(300 * time.Millisecond)
							ts.start()
						}()
					})
				}
				session := int64(10_000 + i*100_000 + n)
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
				resp, err := client.GetCallParamsAndWait(ctx, session)
				cancel()
				switch {
				case err == nil && resp.SessionID == session:
					answered.Add(1)
				case err == nil:
					t.Errorf("call for session %d answered with session %d's response", session, resp.SessionID)
				case errors.Is(err, context.DeadlineExceeded):
					timedOut.Add(1)
				default:
					other.Add(1)
					t.Logf("session %d: %v", session, err)
				}
			}
		})
	}
	wg.Wait()
	t.Logf("answered %d, timed out %d, failed otherwise %d, to a handler %d",
		answered.Load(), timedOut.Load(), other.Load(), toHandler.Load())
	if got := answered.Load() + timedOut.Load() + other.Load(); got != made.Load() {
		t.Errorf("%d of %d calls ended", got, made.Load())
	}
	// A call whose answer was stored during the restart may see it too
	// late; with the race detector's slowness, at most two did.
	if n := timedOut.Load() + other.Load(); n > 2 {
		t.Errorf("%d of %d calls not answered", n, made.Load())
	}
	for _, r := range reps[:2] {
		if n := r.d.Waiters().Len(); n != 0 {
			t.Errorf("%d waiters left on %s", n, r.name)
		}
	}
}

// TestOfferWaitsForReconnectingWaiter: a response that finds its session's
// claim in the WAIT bucket but nobody listening (the waiting replica is
// reconnecting) is offered again until OfferTimeout, and taken once the
// waiter listens again.
func TestOfferWaitsForReconnectingWaiter(t *testing.T) {
	checkGoroutines(t)
	ts := startNATS(t)
	l := newLedger()
	a := startReplica(t, ts, "a", testConfig(), l, 0)
	b := startReplica(t, ts, "b", testConfig(), l, 0)
	resp, err := mluvii.Decode(callParamsBody(31))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.c.wait.Create(context.Background(), claimKey(31, resp.ActivityName()), nil); err != nil {
		t.Fatal(err)
	}
	listening := make(chan struct{})
	go func() {
		defer close(listening)
		time.Sleep(150 * time.Millisecond)
		sub, err := a.nc.Subscribe(a.c.waitSubject(31, resp.ActivityName()), func(m *nats.Msg) { _ = m.Respond([]byte(replyTaken)) })
		if err != nil {
			t.Error(err)
			return
		}
		_ = a.nc.Flush()
		t.Cleanup(func() { _ = sub.Unsubscribe() })
	}()
	if !b.c.Offer(resp) {
		t.Error("the response was not taken by the waiter that came back within OfferTimeout")
	}
	<-listening
	// Nobody claims session 32's response: no second try, no wait.
	other, _ := mluvii.Decode(callParamsBody(32))
	start := time.Now()
	if b.c.Offer(other) {
		t.Error("a response nobody claims was taken")
	}
	if d := time.Since(start); d > DefaultOfferTimeout/2 {
		t.Errorf("offering a response nobody claims took %v", d)
	}
}
