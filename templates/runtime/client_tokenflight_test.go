package mluvii

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// hangingServer answers nothing: every request blocks until the client gives
// up or the test ends. It counts the requests it got.
func hangingServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var requests atomic.Int64
	release := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(ts.Close)
	t.Cleanup(func() { close(release) }) // runs first: Close waits for the handlers
	return ts, &requests
}

// TestClientTokenTimeoutIsSharedByWaiters: callers waiting on a token fetch
// that fails with a per-attempt timeout (http.Client.Timeout, which matches
// context.DeadlineExceeded) share its error; they used to take it for the
// leader's context ending and each led a full fetch in turn, so 10 callers
// made 10 fetches and the last one waited 10 times as long.
func TestClientTokenTimeoutIsSharedByWaiters(t *testing.T) {
	const timeout = 100 * time.Millisecond
	for _, attempts := range []int{1, 3} {
		t.Run(fmt.Sprintf("MaxAttempts %d", attempts), func(t *testing.T) {
			ts, requests := hangingServer(t)
			hc := ts.Client()
			hc.Timeout = timeout
			c := NewClient(ts.URL, 2005, WithClientCredentials("bot", clientSecretForTests), WithHTTPClient(hc),
				WithRetryPolicy(RetryPolicy{MaxAttempts: attempts, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}))
			const callers = 10
			errs := make([]error, callers)
			var wg sync.WaitGroup
			start := time.Now()
			for i := range callers {
				wg.Go(func() { errs[i] = c.Send(t.Context(), &GetAvailableGroups{SessionID: int64(i + 1)}) })
			}
			wg.Wait()
			elapsed := time.Since(start)
			// One shared fetch makes one request per attempt of the policy.
			if n := requests.Load(); n != int64(attempts) {
				t.Errorf("%d token requests for %d callers, want %d (one shared fetch)", n, callers, attempts)
			}
			for i, err := range errs {
				if err == nil || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "getting a token") {
					t.Errorf("caller %d: err = %v, want the token fetch's timeout", i, err)
				}
			}
			if limit := time.Duration(attempts)*timeout + 500*time.Millisecond; elapsed > limit {
				t.Errorf("the callers took %v, want less than %v", elapsed, limit)
			}
		})
	}
}

// TestClientTokenLeaderCancelledWaiterLeads: when the leader's own context is
// cancelled, a waiter whose context is alive leads a new fetch (and succeeds),
// while a waiter whose context ended too gets its own error.
func TestClientTokenLeaderCancelledWaiterLeads(t *testing.T) {
	s := newRawServer(t)
	s.tokenDelay.Store(int64(100 * time.Millisecond))
	c := s.client()
	leader, cancel := context.WithCancel(t.Context())
	leaderErr := make(chan error, 1)
	go func() { leaderErr <- c.Send(leader, &GetAvailableGroups{SessionID: 1}) }()
	time.Sleep(20 * time.Millisecond) // the leader is fetching
	waiterErr := make(chan error, 1)
	go func() { waiterErr <- c.Send(t.Context(), &GetAvailableGroups{SessionID: 2}) }()
	time.Sleep(20 * time.Millisecond) // the waiter waits for the leader's fetch
	cancel()
	if err := <-leaderErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("leader: err = %v, want Canceled", err)
	}
	if err := <-waiterErr; err != nil {
		t.Fatalf("waiter: %v", err)
	}
	if n := s.activities.Load(); n != 1 {
		t.Fatalf("%d activities, want the waiter's 1", n)
	}
}

// TestClientTokenFetchPanicEndsTheFlight: a token fetch that panics (here in
// the user's http.RoundTripper) fails its waiters instead of leaving them, and
// every later call, waiting forever on a flight that never ends.
func TestClientTokenFetchPanicEndsTheFlight(t *testing.T) {
	s := newRawServer(t)
	release := make(chan struct{})
	var calls atomic.Int64
	real := s.Client().Transport
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if calls.Add(1) == 1 {
			<-release
			panic("boom")
		}
		return real.RoundTrip(r)
	})}
	c := s.client(WithHTTPClient(hc))
	leader := make(chan any, 1)
	go func() {
		defer func() { leader <- recover() }()
		c.Send(t.Context(), &GetAvailableGroups{SessionID: 1})
	}()
	for calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	waiter := make(chan error, 1)
	go func() { waiter <- c.Send(ctx, &GetAvailableGroups{SessionID: 2}) }()
	time.Sleep(20 * time.Millisecond) // the waiter waits for the leader's fetch
	close(release)
	if r := <-leader; r != "boom" {
		t.Fatalf("leader: recovered %v, want the panic", r)
	}
	if err := <-waiter; err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiter: err = %v, want the failed fetch's error at once", err)
	}
	if err := c.Send(ctx, &GetAvailableGroups{SessionID: 3}); err != nil {
		t.Fatalf("a later call: %v", err)
	}
	if s.tokens.Load() != 1 || s.activities.Load() != 1 {
		t.Fatalf("tokens %d, activities %d; want 1, 1", s.tokens.Load(), s.activities.Load())
	}
}
