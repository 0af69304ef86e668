package mluvii

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkDispatcherLoad is the dispatcher's speed target: mluvii POSTing
// 2 000 requests/s for 10 s over loopback to a bot whose handlers take 3 s.
// Every request must be acked with 200 fast (ack-p99-ms ≤ 10), and after Close
// no acked event may be missing (lost = 0). The baseline is the same load on
// a handler that only answers 200: the floor set by net/http and loopback.
// Each runs once, whatever b.N:
//
//	go test -run '^$' -bench DispatcherLoad -benchtime 1x ./generated/mluvii
//
// The mix: 8 000 sessions with 2–3 events each, at least 4 s apart, plus a
// burst of 3 events to one session every 500 requests (handled one after the
// other); 5 % Pings, 5 % ConversationStarted, 5 % responses nobody waits for,
// the rest Text.
func BenchmarkDispatcherLoad(b *testing.B) {
	if testing.Short() {
		b.Skip("load benchmark: 10 s of traffic")
	}
	b.Run("baseline=bare-200", func(b *testing.B) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
		})
		lat, codes, sent := runLoad(b, h)
		reportLoad(b, lat, codes, sent)
	})
	b.Run("dispatcher", func(b *testing.B) {
		d := NewDispatcher(WithDispatchLogger(nil), WithCallbackSecret(hookSecret),
			WithWorkers(8192), WithQueueSize(16384))
		var handled atomic.Int64
		d.OnActivity(func(context.Context, Activity) error {
			time.Sleep(3 * time.Second)
			handled.Add(1)
			return nil
		})
		lat, codes, sent := runLoad(b, d)
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := d.Close(ctx); err != nil {
			b.Error(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "close-s")
		_, pings := loadBodies(len(codes))
		acked := 0
		for i, c := range codes {
			if c == http.StatusOK && !pings[i] {
				acked++
			}
		}
		lost := acked - int(handled.Load())
		b.ReportMetric(float64(lost), "lost")
		if lost != 0 {
			b.Errorf("%d acked events were lost (stats %+v)", lost, d.Stats())
		}
		if non200 := reportLoad(b, lat, codes, sent); non200 != 0 {
			b.Errorf("%d answers were not 200 (stats %+v)", non200, d.Stats())
		}
	})
}

const (
	loadRate  = 2000 // requests per second
	loadTotal = loadRate * 10
)

// runLoad sends the benchmark's requests to h on 127.0.0.1 at loadRate, open
// loop (each on time, however slow the earlier ones), and returns each one's
// latency and status and how long sending took.
func runLoad(b *testing.B, h http.Handler) ([]time.Duration, []int, time.Duration) {
	srv := httptest.NewServer(h) // listens on 127.0.0.1
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1024, DisableCompression: true}}
	defer client.CloseIdleConnections()
	target := srv.URL + "/mluvii?secret=" + url.QueryEscape(hookSecret)
	bodies, _ := loadBodies(loadTotal)
	lat := make([]time.Duration, loadTotal)
	codes := make([]int, loadTotal)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for i := range loadTotal {
		if wait := time.Until(start.Add(time.Duration(i) * time.Second / loadRate)); wait > 0 {
			time.Sleep(wait)
		}
		wg.Go(func() {
			t0 := time.Now()
			resp, err := client.Post(target, "application/json", bytes.NewReader(bodies[i]))
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				codes[i] = resp.StatusCode
			}
			lat[i] = time.Since(t0)
		})
	}
	wg.Wait()
	b.StopTimer()
	return lat, codes, time.Since(start)
}

// reportLoad reports the ack latencies and rate, and returns how many
// answers were not 200.
func reportLoad(b *testing.B, lat []time.Duration, codes []int, sent time.Duration) int {
	non200 := 0
	for _, c := range codes {
		if c != http.StatusOK {
			non200++
		}
	}
	lat = slices.Clone(lat)
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(ms(lat[len(lat)/2]), "ack-p50-ms")
	b.ReportMetric(ms(lat[len(lat)*99/100]), "ack-p99-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "ack-max-ms")
	b.ReportMetric(float64(len(lat))/sent.Seconds(), "req/s")
	b.ReportMetric(float64(non200), "non-200")
	return non200
}

// loadBodies builds the benchmark's request bodies and marks the Pings.
func loadBodies(total int) ([][]byte, []bool) {
	bodies := make([][]byte, total)
	pings := make([]bool, total)
	for i := range total {
		session := 1_000_000 + int64(i*7919%8000)
		if i%500 < 3 {
			session = 2_000_000 + int64(i/500)
		}
		switch i % 20 {
		case 5:
			bodies[i], pings[i] = []byte(`{"Activity":"Ping"}`), true
		case 7:
			bodies[i] = fmt.Appendf(nil, `{"activity":"ConversationStarted","timestamp":"2024-11-05T14:22:31.118204","sessionId":%d,"language":"cs","source":"Default"}`, session)
		case 9:
			bodies[i] = hookCallParams(session, "v")
		default:
			bodies[i] = fmt.Appendf(nil, `{"activity":"Text","timestamp":"2024-11-05T14:22:31.118","sessionId":%d,"text":"message %d","language":"cs","source":"Default"}`, session, i)
		}
	}
	return bodies, pings
}
