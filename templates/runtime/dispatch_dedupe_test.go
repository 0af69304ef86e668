package mluvii

import (
	"encoding/binary"
	"runtime"
	"testing"
	"time"
)

// TestDedupeGivesMemoryBack: once the window has passed, with no request to
// prune on, the keys are dropped and the map and list rebuilt small; the
// heap comes back to where it was (a Go map never shrinks by deletes, and
// pruning used to happen only on the next request).
func TestDedupeGivesMemoryBack(t *testing.T) {
	const keys = 50_000
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	d := newDedupe(50 * time.Millisecond)
	now := time.Now()
	for i := range keys {
		var k dedupeKey
		binary.BigEndian.PutUint64(k[:], uint64(i))
		if !d.reserve(k, now) {
			t.Fatal("a new key was a duplicate")
		}
	}
	hookWaitFor(t, "the window to pass", func() bool {
		d.mu.Lock()
		defer d.mu.Unlock()
		return len(d.seen) == 0 && d.timer == nil
	})
	d.mu.Lock()
	peak, order := d.peak, d.order
	d.mu.Unlock()
	if peak != 0 || order != nil {
		t.Errorf("after the window: peak %d, %d entries in the list", peak, len(order))
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(d)
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 256<<10 {
		t.Errorf("%d keys of an expired window still hold %d bytes", keys, grown)
	}
}

// TestDedupeStillDropsDuplicatesAfterRebuild: rebuilding keeps the keys
// still inside the window.
func TestDedupeStillDropsDuplicatesAfterRebuild(t *testing.T) {
	d := newDedupe(time.Hour)
	t0 := time.Now()
	key := func(i int) (k dedupeKey) { binary.BigEndian.PutUint64(k[:], uint64(i)); return }
	for i := range 4096 {
		d.reserve(key(i), t0)
	}
	d.reserve(key(-1), t0.Add(50*time.Minute)) // survives the first window
	d.reserve(key(-2), t0.Add(61*time.Minute)) // prunes the 4096
	d.mu.Lock()
	rebuilt := d.peak < 4096
	d.mu.Unlock()
	if !rebuilt {
		t.Error("the map was not rebuilt")
	}
	if d.reserve(key(-1), t0.Add(62*time.Minute)) {
		t.Error("a key still inside its window was forgotten by the rebuild")
	}
	d.stop()
}

// BenchmarkDedupeRetained reports the heap WithDedupe still holds once its
// window has passed and no request came since (retained-B, target: about 0,
// against the heap before the first event in the same run), and at its peak
// (peak-B/key), for 200 000 bodies in a 1 s window.
//
//	go test -run '^$' -bench DedupeRetained -benchtime 1x ./templates/runtime
func BenchmarkDedupeRetained(b *testing.B) {
	const keys = 200_000
	for b.Loop() {
		var base, peak, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&base)
		d := newDedupe(time.Second)
		now := time.Now()
		for i := range keys {
			var k dedupeKey
			binary.BigEndian.PutUint64(k[:], uint64(i))
			d.reserve(k, now)
		}
		runtime.GC()
		runtime.ReadMemStats(&peak)
		for {
			d.mu.Lock()
			done := len(d.seen) == 0 && d.timer == nil
			d.mu.Unlock()
			if done {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(d)
		b.ReportMetric(float64(int64(peak.HeapAlloc)-int64(base.HeapAlloc))/keys, "peak-B/key")
		b.ReportMetric(float64(int64(after.HeapAlloc)-int64(base.HeapAlloc)), "retained-B")
	}
}
