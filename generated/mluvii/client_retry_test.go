package mluvii

import (
	"context"
	"errors"
	"math"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestBackoffExtremePolicies: backoff neither panics nor overflows for any
// RetryPolicy (MaxDelay math.MaxInt64 used to panic in rand.Int64N), and its
// delay stays within [retryAfter, max(ceiling, retryAfter)].
func TestBackoffExtremePolicies(t *testing.T) {
	durations := []time.Duration{math.MinInt64, -time.Hour, -1, 0, 1, 3, time.Millisecond, time.Second,
		time.Hour, math.MaxInt64 / 3, 1<<62 + 1, math.MaxInt64 - 1, math.MaxInt64}
	ns := []int{math.MinInt, -1, 0, 1, 2, 3, 31, 32, 33, 62, 63, 64, 65, 1000, math.MaxInt}
	ras := []time.Duration{math.MinInt64, -1, 0, 1, time.Second, math.MaxInt64}
	for _, base := range durations {
		for _, maxDelay := range durations {
			for _, n := range ns {
				for _, ra := range ras {
					checkBackoff(t, RetryPolicy{MaxAttempts: math.MaxInt, BaseDelay: base, MaxDelay: maxDelay, MaxRetryAfter: math.MaxInt64}, n, ra, 32)
				}
			}
		}
	}
}

// FuzzBackoff: the same properties for any values.
func FuzzBackoff(f *testing.F) {
	f.Add(0, int64(0), int64(0), int64(0))
	f.Add(1, int64(math.MaxInt64), int64(math.MaxInt64), int64(0))
	f.Add(64, int64(1<<62+1), int64(math.MaxInt64), int64(-1))
	f.Add(math.MinInt, int64(math.MinInt64), int64(math.MinInt64), int64(math.MinInt64))
	f.Add(33, int64(3), int64(math.MaxInt64-1), int64(math.MaxInt64))
	f.Fuzz(func(t *testing.T, n int, base, maxDelay, ra int64) {
		p := RetryPolicy{BaseDelay: time.Duration(base), MaxDelay: time.Duration(maxDelay)}
		checkBackoff(t, p, n, time.Duration(ra), 4)
	})
}

// checkBackoff checks backoff(n, ra) of p as the client uses it (after
// withDefaults) against the ceiling computed without overflow, and of p as
// given for not panicking and staying non-negative.
func checkBackoff(t *testing.T, p RetryPolicy, n int, ra time.Duration, samples int) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%+v.backoff(%d, %v) panicked: %v", p, n, ra, r)
		}
	}()
	if d := p.backoff(n, ra); d < 0 || d < ra {
		t.Fatalf("raw %+v.backoff(%d, %v) = %v, want ≥ max(0, retryAfter)", p, n, ra, d)
	}
	q := p.withDefaults()
	// ceiling = min(MaxDelay, BaseDelay·2^(n-1)), n < 1 counting as 1.
	shift := uint(0)
	if n > 1 {
		shift = uint(min(n-1, 200))
	}
	c := new(big.Int).Lsh(big.NewInt(int64(q.BaseDelay)), shift)
	ceiling := q.MaxDelay
	if c.Cmp(big.NewInt(int64(ceiling))) < 0 {
		ceiling = time.Duration(c.Int64())
	}
	var most time.Duration
	for range samples {
		d := q.backoff(n, ra)
		if d < 0 || d < ra || d > max(ceiling, ra) {
			t.Fatalf("%+v.backoff(%d, %v) = %v, want within [max(0, %v), max(%v, %v)]", q, n, ra, d, ra, ceiling, ra)
		}
		most = max(most, d)
	}
	// Full jitter spreads over the whole ceiling: with samples draws the
	// largest is below a quarter of it with probability 4^-samples. A ceiling
	// wrapped by an overflowing shift is far smaller.
	if ra <= 0 && ceiling >= 1000 && most < ceiling/4 && samples >= 32 {
		t.Fatalf("%+v.backoff(%d, 0): largest of %d draws %v, want some near the ceiling %v", q, n, samples, most, ceiling)
	}
}

// TestClientHugeRetryPolicyDoesNotPanic: a client whose policy asks for
// enormous delays fails the call (the wait would outlast the context)
// instead of panicking.
func TestClientHugeRetryPolicyDoesNotPanic(t *testing.T) {
	s := newRawServer(t)
	s.answer = func(int64, http.ResponseWriter, *http.Request) int { return http.StatusServiceUnavailable }
	c := s.client(WithRetryPolicy(RetryPolicy{MaxAttempts: math.MaxInt, BaseDelay: math.MaxInt64, MaxDelay: math.MaxInt64,
		MaxRetryAfter: math.MaxInt64}))
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	err := c.Send(ctx, &GetAvailableGroups{SessionID: 1})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || !strings.Contains(err.Error(), "outlast the context") {
		t.Fatalf("err = %v, want the 503, not retried", err)
	}
	if n := s.activities.Load(); n != 1 {
		t.Fatalf("%d attempts, want 1", n)
	}
}
