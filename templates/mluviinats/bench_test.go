package mluviinats

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	mluvii "github.com/mluviigen/mluviigen/templates/runtime"
)

// BenchmarkAck measures the webhook's answer time (ack: for JetStream, after
// the publish acknowledgement) at a steady 1 000 requests/s on loopback, with
// the in-memory queue and with JetStream, and reports p50 and p99:
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
