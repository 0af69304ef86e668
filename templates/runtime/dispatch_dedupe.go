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
// number of bodies received per window: expired keys are dropped, oldest
// first, on every reserve.
type dedupe struct {
	window time.Duration
	mu     sync.Mutex
	seen   map[dedupeKey]time.Time
	order  []dedupeEntry // by time of arrival
}

type dedupeEntry struct {
	key dedupeKey
	at  time.Time
}

func newDedupe(window time.Duration) *dedupe {
	return &dedupe{window: window, seen: make(map[dedupeKey]time.Time)}
}

// reserve records k at now and reports whether it is new within the window.
// Reserving and checking in one step makes two identical requests racing
// each other count as one original and one duplicate.
func (d *dedupe) reserve(k dedupeKey, now time.Time) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for len(d.order) > 0 && now.Sub(d.order[0].at) >= d.window {
		old := d.order[0]
		if d.seen[old.key].Equal(old.at) {
			delete(d.seen, old.key)
		}
		d.order = d.order[1:]
	}
	if at, ok := d.seen[k]; ok && now.Sub(at) < d.window {
		return false
	}
	d.seen[k] = now
	d.order = append(d.order, dedupeEntry{k, now})
	return true
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
