package mluviinats

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	mluvii "github.com/mluviigen/mluviigen/templates/runtime"
)

// BenchmarkAck measures the webhook's answer time (ack: for JetStream, after
// the publish acknowledgement) at a steady 1 000 requests/s on loopback, with
// the in-memory queue and with JetStream, and reports p50 and p99 (after half
// a second of warm-up):
//
//	go test -run '^$' -bench Ack -benchtime 2000x ./templates/mluviinats
func BenchmarkAck(b *testing.B) {
	run := func(b *testing.B, d *Dispatcher) {
		srv := httptest.NewServer(d)
		defer srv.Close()
		hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
		defer hc.CloseIdleConnections()
		lat := make([]time.Duration, b.N)
		tick := time.NewTicker(time.Millisecond) // 1 000 requests/s
		defer tick.Stop()
		done := make(chan struct{}, b.N)
		// Warm up for half a second, unmeasured: connections, the stream's
		// first blocks, the consumers' first pulls.
		for i := range 500 {
			<-tick.C
			if resp, err := hc.Post(srv.URL, "application/json", bytes.NewReader(textBody(int64(1+i%500), -1-i))); err == nil {
				resp.Body.Close()
			}
		}
		b.ResetTimer()
		for i := range b.N {
			<-tick.C
			go func() {
				start := time.Now()
				resp, err := hc.Post(srv.URL, "application/json", bytes.NewReader(textBody(int64(1+i%500), i)))
				if err == nil {
					resp.Body.Close()
				}
				lat[i] = time.Since(start)
				done <- struct{}{}
			}()
		}
		for range b.N {
			<-done
		}
		b.StopTimer()
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = d.Close(ctx)
	}
	b.Run("memory", func(b *testing.B) {
		d := mluvii.NewDispatcher(mluvii.WithDispatchLogger(quiet))
		d.OnText(func(context.Context, *mluvii.Text) error { return nil })
		run(b, d)
	})
	b.Run("jetstream", func(b *testing.B) {
		ts := startNATS(b)
		nc := ts.connect(b)
		defer nc.Close()
		c, err := New(context.Background(), nc, Config{Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		d := mluvii.NewDispatcher(append(c.DispatcherOptions(), mluvii.WithDispatchLogger(quiet))...)
		d.OnText(func(context.Context, *mluvii.Text) error { return nil })
		run(b, d)
	})
}

// BenchmarkReplicaThroughput measures events handled per second by 1 and by
// 3 replicas sharing one stream of 128 partitions, when handlers take 50 ms
// and a replica runs at most 8 of them at once (Config.MaxInFlight: a
// replica's capacity, 160 events/s). The
// 3-replica run reports x-one-replica, its rate over the 1-replica rate
// measured in the same run (target ≥ 2.5):
//
//	go test -run '^$' -bench ReplicaThroughput -benchtime 1x ./templates/mluviinats
func BenchmarkReplicaThroughput(b *testing.B) {
	const sessions, perSession, work = 600, 2, 50 * time.Millisecond
	var one float64
	for _, n := range []int{1, 3} {
		b.Run(fmt.Sprintf("replicas=%d", n), func(b *testing.B) {
			for b.Loop() {
				ts := startNATS(b)
				cfg := testConfig()
				cfg.Partitions, cfg.MaxInFlight = 128, 8
				l := newLedger()
				var reps []*replica
				for i := range n {
					reps = append(reps, startReplica(b, ts, fmt.Sprintf("r%d", i), cfg, l, work))
				}
				f := newFront(reps...)
				start := time.Now()
				var wg sync.WaitGroup
				for s := range sessions {
					wg.Go(func() {
						for i := range perSession {
							f.post(textBody(int64(s+1), i))
						}
					})
				}
				wg.Wait()
				deadline := time.Now().Add(time.Minute)
				for l.completed.Load() < sessions*perSession && time.Now().Before(deadline) {
					time.Sleep(5 * time.Millisecond)
				}
				rate := float64(l.completed.Load()) / time.Since(start).Seconds()
				f.close()
				b.ReportMetric(rate, "events/s")
				if n == 1 {
					one = rate
				} else if one > 0 {
					b.ReportMetric(rate/one, "x-one-replica")
				}
			}
		})
	}
}
