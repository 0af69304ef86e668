package mluvii

import (
	"context"
	"errors"
	"fmt"
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

// TestClientRetryAfterTooLargeIsLong: a Retry-After too large for int64 (it
// used to fail to parse and count as 0, so the call was retried at once) or an
// HTTP date far in the future means a very long wait: more than
// MaxRetryAfter, so the call fails at once with the *APIError.
func TestClientRetryAfterTooLargeIsLong(t *testing.T) {
	for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		for _, v := range []string{"99999999999999999999", "+99999999999999999999", "9223372036854775808",
			"86401", "100000.5", "Fri, 31 Dec 9999 23:59:59 GMT"} {
			t.Run(fmt.Sprintf("%d %s", status, v), func(t *testing.T) {
				s := newRawServer(t)
				s.answer = func(_ int64, w http.ResponseWriter, _ *http.Request) int {
					w.Header().Set("Retry-After", v)
					return status
				}
				c := s.client()
				start := time.Now()
				err := c.Send(context.Background(), &GetAvailableGroups{SessionID: 1})
				var apiErr *APIError
				if !errors.As(err, &apiErr) || apiErr.StatusCode != status || apiErr.RetryAfter != maxRetryAfterHeader {
					t.Fatalf("err = %v (RetryAfter %v), want the %d with RetryAfter %v", err, retryAfterOf(err), status, maxRetryAfterHeader)
				}
				if !strings.Contains(err.Error(), "exceeds MaxRetryAfter") {
					t.Errorf("err = %v, want it to say why it was not retried", err)
				}
				if n := s.activities.Load(); n != 1 {
					t.Errorf("%d attempts, want 1", n)
				}
				if d := time.Since(start); d > 2*time.Second {
					t.Errorf("took %v", d)
				}
			})
		}
	}
}

func retryAfterOf(err error) time.Duration {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.RetryAfter
	}
	return -1
}

func TestRetryAfterParsingEdges(t *testing.T) {
	now := time.Date(2024, 11, 5, 14, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		v    string
		want time.Duration
	}{
		{"+5", 5 * time.Second},
		{"  7\t", 7 * time.Second},
		{"007", 7 * time.Second},
		{"1.5", 1500 * time.Millisecond},
		{"0.25", 250 * time.Millisecond},
		{".5", 500 * time.Millisecond},
		{"2.", 2 * time.Second},
		{"1.0000000019", time.Second + time.Nanosecond},
		{"86400", 24 * time.Hour},
		{"86401", 24 * time.Hour},
		{"9223372036854775807", 24 * time.Hour},
		{"9223372036854775808", 24 * time.Hour},
		{"99999999999999999999", 24 * time.Hour},
		{"99999999999999999999.9", 24 * time.Hour},
		{"1" + strings.Repeat("0", 10000), 24 * time.Hour},
		{"-99999999999999999999", 0},
		{"-1.5", 0},
		{"+", 0}, {"-", 0}, {".", 0}, {"+.", 0}, {"1.2.3", 0}, {"++1", 0}, {"1e3", 0}, {"0x10", 0},
		{"NaN", 0}, {"Inf", 0}, {"1 2", 0}, {"١", 0},
		{"Fri, 31 Dec 9999 23:59:59 GMT", 24 * time.Hour},
		{now.Add(2 * time.Hour).Format(http.TimeFormat), 2 * time.Hour},
		{now.Add(25 * time.Hour).Format(http.TimeFormat), 24 * time.Hour},
		{"Mon, 01 Jan 0001 00:00:00 GMT", 0},
	} {
		h := http.Header{}
		h.Set("Retry-After", tc.v)
		if got := retryAfter(h, now); got != tc.want {
			t.Errorf("Retry-After %.40q = %v, want %v", tc.v, got, tc.want)
		}
	}
}
