package mluviinats

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	mluvii "github.com/mluviigen/mluviigen/templates/runtime"
)

func callParamsBody(session int64) []byte {
	return fmt.Appendf(nil, `{"activity":"GetCallParamsResponse","sessionId":%d,"callParams":{"k":"v%d"}}`, session, session)
}

// fakeMluvii answers every GetCallParams by posting its response to the
// replica to (a different one than the caller's).
func fakeMluvii(t *testing.T, to func() *replica) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, err := mluvii.Decode(mustRead(r))
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusOK)
		if _, ok := a.(*mluvii.GetCallParams); ok {
			go func() {
				f := newFront(to())
				defer f.close()
				f.post(callParamsBody(a.Session()))
			}()
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestAndWaitAcrossReplicas: a GetCallParamsAndWait on replica A is answered
// by the response that mluvii delivers to replica B; a response nobody waits
// for reaches B's handler; ErrInFlight holds across replicas.
func TestAndWaitAcrossReplicas(t *testing.T) {
	checkGoroutines(t)
	ts := startNATS(t)
	l := newLedger()
	a := startReplica(t, ts, "a", testConfig(), l, 0)
	b := startReplica(t, ts, "b", testConfig(), l, 0)
	var toHandler atomic.Int64
	// Every replica runs the same code: a queued response may run on either.
	for _, r := range []*replica{a, b} {
		r.d.OnGetCallParamsResponse(func(ctx context.Context, r *mluvii.GetCallParamsResponse) error {
			toHandler.Add(1)
			return nil
		})
	}
	mock := fakeMluvii(t, func() *replica { return b })
	client := mluvii.NewClient(mock.URL, 1, mluvii.WithTokenSource(mluvii.StaticToken("t")), mluvii.WithDispatcher(a.d))
	const calls = 20
	answered := 0
	for i := range calls {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		resp, err := client.GetCallParamsAndWait(ctx, int64(500+i))
		cancel()
		if err != nil {
			t.Errorf("call %d: %v", i, err)
			continue
		}
		if resp.SessionID != int64(500+i) {
			t.Errorf("call %d: answer of session %d", i, resp.SessionID)
		}
		answered++
	}
	// B counts the offer once A's answer came back, after A's waiter got it.
	waitFor(t, "B to count its offers", func() bool { return b.c.Stats().Offered >= calls })
	if answered != calls || toHandler.Load() != 0 || b.c.Stats().Offered != calls {
		t.Errorf("answered %d of %d, to a handler %d, offered across %d; want %d, 0, %d", answered, calls, toHandler.Load(), b.c.Stats().Offered, calls, calls)
	}
	if a.d.Waiters().Len() != 0 {
		t.Errorf("%d waiters left on A", a.d.Waiters().Len())
	}

	// Nobody waits: the response goes to a handler.
	f := newFront(b)
	defer f.close()
	if !f.post(callParamsBody(900)) {
		t.Fatal("response not acked")
	}
	waitFor(t, "the response to reach a handler", func() bool { return toHandler.Load() == 1 })

	// ErrInFlight holds across replicas, and is lifted by cancel.
	_, cancelA, err := a.d.Waiters().Register(77, mluvii.ActivityGetCallParamsResponse)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.d.Waiters().Register(77, mluvii.ActivityGetCallParamsResponse); !errors.Is(err, mluvii.ErrInFlight) {
		t.Errorf("second registration on B: %v, want ErrInFlight", err)
	}
	cancelA()
	_, cancelB, err := b.d.Waiters().Register(77, mluvii.ActivityGetCallParamsResponse)
	if err != nil {
		t.Errorf("registration on B after A cancelled: %v", err)
	} else {
		cancelB()
	}
}

// TestWaitClaimOfDeadReplicaExpires: a replica that dies while waiting
// leaves its claim, which expires after WaitTTL.
func TestWaitClaimOfDeadReplicaExpires(t *testing.T) {
	checkGoroutines(t)
	ts := startNATS(t)
	cfg := testConfig()
	cfg.WaitTTL = time.Second
	l := newLedger()
	a := startReplica(t, ts, "a", cfg, l, 0)
	b := startReplica(t, ts, "b", cfg, l, 0)
	if _, _, err := a.d.Waiters().Register(5, mluvii.ActivityGetCallParamsResponse); err != nil {
		t.Fatal(err)
	}
	a.kill()
	if _, _, err := b.d.Waiters().Register(5, mluvii.ActivityGetCallParamsResponse); !errors.Is(err, mluvii.ErrInFlight) {
		t.Fatalf("registration on B while A's claim lives: %v, want ErrInFlight", err)
	}
	waitFor(t, "the dead replica's claim to expire", func() bool {
		_, cancel, err := b.d.Waiters().Register(5, mluvii.ActivityGetCallParamsResponse)
		if err == nil {
			cancel()
		}
		return err == nil
	})
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func mustRead(r *http.Request) []byte {
	b := make([]byte, 0, 512)
	buf := make([]byte, 512)
	for {
		n, err := r.Body.Read(buf)
		b = append(b, buf[:n]...)
		if err != nil {
			return b
		}
	}
}

// TestWaitClaimOutlivesWaitTTL: a …AndWait that waits longer than WaitTTL
// keeps its claim (ErrInFlight on another replica all along), and releasing
// a claim that expired never deletes the claim another replica made since.
func TestWaitClaimOutlivesWaitTTL(t *testing.T) {
	checkGoroutines(t)
	ts := startNATS(t)
	cfg := testConfig()
	cfg.WaitTTL = 600 * time.Millisecond
	l := newLedger()
	a := startReplica(t, ts, "a", cfg, l, 0)
	b := startReplica(t, ts, "b", cfg, l, 0)
	_, cancelA, err := a.d.Waiters().Register(6, mluvii.ActivityGetCallParamsResponse)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 6 { // 3 × WaitTTL
		time.Sleep(300 * time.Millisecond)
		if _, _, err := b.d.Waiters().Register(6, mluvii.ActivityGetCallParamsResponse); !errors.Is(err, mluvii.ErrInFlight) {
			t.Fatalf("registration on B %v after A's: %v, want ErrInFlight", time.Duration(i+1)*300*time.Millisecond, err)
		}
	}
	cancelA()
	_, cancelB, err := b.d.Waiters().Register(6, mluvii.ActivityGetCallParamsResponse)
	if err != nil {
		t.Fatalf("registration on B after A released: %v", err)
	}
	defer cancelB()

	// A claim that vanished (expired) and was taken by B: A's release
	// leaves B's claim alone.
	release, err := a.c.Reserve(7, mluvii.ActivityGetCallParamsResponse, func(Activity) bool { return false })
	if err != nil {
		t.Fatal(err)
	}
	if err := a.c.wait.Purge(context.Background(), "7."+mluvii.ActivityGetCallParamsResponse); err != nil {
		t.Fatal(err)
	}
	releaseB, err := b.c.Reserve(7, mluvii.ActivityGetCallParamsResponse, func(Activity) bool { return false })
	if err != nil {
		t.Fatalf("B claiming the vanished key: %v", err)
	}
	defer releaseB()
	release()
	if _, err := a.c.Reserve(7, mluvii.ActivityGetCallParamsResponse, func(Activity) bool { return false }); !errors.Is(err, mluvii.ErrInFlight) {
		t.Errorf("after A released its lost claim: %v, want ErrInFlight (B's claim kept)", err)
	}
}
