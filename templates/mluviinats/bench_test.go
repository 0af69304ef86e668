package mluviinats

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
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

// BenchmarkReplicaThroughput measures a cluster's capacity: events handled
// per second by 1 and by 3 replicas sharing one stream while every partition
// has a backlog. The replicas run the default Config but for MaxInFlight 8 (a
// replica's capacity: 160 events/s each, since handlers take 50 ms). It
// stores 3 600 events of 1 200 sessions with the handlers held, lets them go,
// and counts the events finished from 0.5 s to 3 s after. The 3-replica run
// reports x-one-replica, its rate over the 1-replica rate measured in the
// same run (target ≥ 2.5):
//
//	go test -run '^$' -bench ReplicaThroughput -benchtime 1x ./templates/mluviinats
func BenchmarkReplicaThroughput(b *testing.B) {
	const sessions, perSession, work = 1200, 3, 50 * time.Millisecond
	const from, to = 500 * time.Millisecond, 3 * time.Second
	var one float64
	for _, n := range []int{1, 3} {
		b.Run(fmt.Sprintf("replicas=%d", n), func(b *testing.B) {
			for b.Loop() {
				ts := startNATS(b)
				cfg := Config{MaxInFlight: 8, Logger: quiet}
				l := newLedger()
				l.hold = make(chan struct{})
				var reps []*replica
				for i := range n {
					reps = append(reps, startReplica(b, ts, fmt.Sprintf("r%d", i), cfg, l, work))
				}
				f := newFront(reps...)
				var wg sync.WaitGroup
				var acked atomic.Int64
				for s := range sessions {
					wg.Go(func() {
						for i := range perSession {
							if f.post(textBody(int64(s+1), i)) {
								acked.Add(1)
							}
						}
					})
				}
				wg.Wait()
				f.close()
				if acked.Load() != sessions*perSession {
					b.Fatalf("%d of %d events acked", acked.Load(), sessions*perSession)
				}
				close(l.hold)
				time.Sleep(from)
				first := l.completed.Load()
				time.Sleep(to - from)
				rate := float64(l.completed.Load()-first) / (to - from).Seconds()
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
