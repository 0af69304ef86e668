package mluvii

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// benchServer is the cheapest mluvii there is: it issues tokens and answers
// every activity 200 after reading it, so what a benchmark measures is the
// client.
func benchServer(tb testing.TB) (*httptest.Server, *atomic.Int64) {
	var tokens atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login/connect/token", func(w http.ResponseWriter, r *http.Request) {
		tokens.Add(1)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"bench-token","expires_in":3600,"token_type":"Bearer"}`)
	})
	mux.HandleFunc("POST /api/v1/Chatbot/2005/activity", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
	})
	ts := httptest.NewServer(mux)
	tb.Cleanup(ts.Close)
	return ts, &tokens
}

// BenchmarkClientTokenRequestsPer1000Calls makes 1000 calls from 50
// goroutines with a fresh client per iteration and reports the token
// requests they caused (target: 1).
func BenchmarkClientTokenRequestsPer1000Calls(b *testing.B) {
	ts, tokens := benchServer(b)
	hc := ts.Client()
	hc.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
	ctx := context.Background()
	for b.Loop() {
		c := NewClient(ts.URL, 2005, WithClientCredentials("bot", "secret"), WithHTTPClient(hc))
		var wg sync.WaitGroup
		var next atomic.Int64
		for range 50 {
			wg.Go(func() {
				for i := next.Add(1); i <= 1000; i = next.Add(1) {
					if err := c.Typing(ctx, i, true); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
	}
	b.ReportMetric(float64(tokens.Load())/float64(b.N), "tokens/1000calls")
}

// BenchmarkClientCallVsBareHTTP compares a typed client call with a bare
// http.Client POST of the same JSON to the same server over the same
// transport, alternating the two so both see the same conditions. It reports
// both times per call and their ratio (target: ≤ 1.1).
func BenchmarkClientCallVsBareHTTP(b *testing.B) {
	ts, _ := benchServer(b)
	hc := ts.Client()
	ctx := context.Background()
	c := NewClient(ts.URL, 2005, WithClientCredentials("bot", "secret"), WithHTTPClient(hc))
	groups := []int32{7301, 7303}
	body, err := json.Marshal(&GetAvailableGroups{SessionID: 4815162342, GroupIDs: groups})
	if err != nil {
		b.Fatal(err)
	}
	url := ts.URL + "/api/v1/Chatbot/2005/activity"
	bare := func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		req.Header.Set("Authorization", "Bearer bench-token")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatal(resp.Status)
		}
	}
	client := func() {
		if err := c.GetAvailableGroups(ctx, 4815162342, WithGroupIDs(groups...)); err != nil {
			b.Fatal(err)
		}
	}
	for range 200 { // warm up: token, connections
		bare()
		client()
	}
	// Medians, not sums: on a shared machine one descheduled call would
	// otherwise swing the ratio.
	var tBare, tClient []time.Duration
	for b.Loop() {
		start := time.Now()
		bare()
		mid := time.Now()
		client()
		tClient = append(tClient, time.Since(mid))
		tBare = append(tBare, mid.Sub(start))
	}
	mb, mc := median(tBare), median(tClient)
	b.ReportMetric(float64(mb.Nanoseconds()), "bare-ns/call")
	b.ReportMetric(float64(mc.Nanoseconds()), "client-ns/call")
	b.ReportMetric(float64(mc)/float64(mb), "client/bare")
}

func median(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// BenchmarkClientCallInProcess is the client's own cost per call, without a
// network: a transport that answers 200 at once.
func BenchmarkClientCallInProcess(b *testing.B) {
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		io.Copy(io.Discard, r.Body)
		return &http.Response{StatusCode: 200, Body: http.NoBody, Header: http.Header{}, Request: r}, nil
	})}
	c := NewClient("http://mluvii.invalid", 2005, WithTokenSource(StaticToken("bench-token")), WithHTTPClient(hc))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := c.GetAvailableGroups(ctx, 4815162342, WithGroupIDs(7301, 7303)); err != nil {
			b.Fatal(err)
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
