package mluvii

import (
	"crypto/sha256"
	"encoding/binary"
	"sync"
	"time"
)

// dedupeKey identifies a body received for a session.
type dedupeKey [sha256.Size]byte

func dedupeKeyOf(session int64, body []byte) dedupeKey {
	h := sha256.New()
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], uint64(session))
	h.Write(s[:])
	h.Write(body)
	var k dedupeKey
	h.Sum(k[:0])
	return k
}

// dedupe remembers the keys seen within a window. Memory is bounded by the
// number of bodies received per window and comes back once the window has
// passed: expired keys are dropped, oldest first, on every reserve and by a
// timer when no request comes, and the map and the list are rebuilt small
// once most of what they held has expired (a Go map never shrinks by
// deleting from it).
type dedupe struct {
	window time.Duration
	now    func() time.Time
	mu     sync.Mutex
	seen   map[dedupeKey]time.Time
	order  []dedupeEntry // by time of arrival
	peak   int           // the most keys seen held since the map was made
	timer  *time.Timer   // prunes when no request does; nil when none is due
}

type dedupeEntry struct {
	key dedupeKey
	at  time.Time
}

func newDedupe(window time.Duration) *dedupe {
	return &dedupe{window: window, now: time.Now, seen: make(map[dedupeKey]time.Time)}
}

// reserve records k at now and reports whether it is new within the window.
// Reserving and checking in one step makes two identical requests racing
// each other count as one original and one duplicate.
func (d *dedupe) reserve(k dedupeKey, now time.Time) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.prune(now)
	if at, ok := d.seen[k]; ok && now.Sub(at) < d.window {
		return false
	}
	d.seen[k] = now
	d.order = append(d.order, dedupeEntry{k, now})
	d.peak = max(d.peak, len(d.seen))
	if d.timer == nil {
		d.timer = time.AfterFunc(d.window, d.expire)
	}
	return true
}

// expire is the timer's prune; it comes again while keys are held.
func (d *dedupe) expire() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.prune(d.now())
	d.timer = nil
	if len(d.order) > 0 {
		d.timer = time.AfterFunc(d.order[0].at.Add(d.window).Sub(d.now()), d.expire)
	}
}

// prune drops the keys older than the window, and gives memory back when
// what is left is a small part of what the map and the list grew to.
// Called with mu held.
func (d *dedupe) prune(now time.Time) {
	n := 0
	for n < len(d.order) && now.Sub(d.order[n].at) >= d.window {
		old := d.order[n]
		if d.seen[old.key].Equal(old.at) {
			delete(d.seen, old.key)
		}
		d.order[n] = dedupeEntry{}
		n++
	}
	d.order = d.order[n:]
	if d.peak > 1024 && len(d.seen) < d.peak/4 {
		seen := make(map[dedupeKey]time.Time, len(d.seen))
		for k, at := range d.seen {
			seen[k] = at
		}
		d.seen, d.peak = seen, len(seen)
		d.order = append([]dedupeEntry(nil), d.order...)
	} else if len(d.order) == 0 {
		d.order = nil // let the array go
	}
}

// release forgets k when it was reserved at at (the event was refused, so a
// repetition must not be dropped).
func (d *dedupe) release(k dedupeKey, at time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.seen[k].Equal(at) {
		delete(d.seen, k)
	}
}

// stop cancels the timer (Close).
func (d *dedupe) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
}
