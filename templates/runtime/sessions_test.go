package mluvii

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

type flowState struct {
	Step  int
	Typed []string
}

func endedBody(session int64) []byte {
	return fmt.Appendf(nil, `{"activity":"ConversationEnded","sessionId":%d}`, session)
}

// endLog records OnEnd calls.
type endLog struct {
	mu    sync.Mutex
	calls []string
}

func (l *endLog) hook(id int64, s *flowState, r EndReason) {
	l.mu.Lock()
	defer l.mu.Unlock()
	step := -1
	if s != nil {
		step = s.Step
	}
	l.calls = append(l.calls, fmt.Sprintf("%d:%s:%d", id, r, step))
}

func (l *endLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.calls)
}

// TestSessionStateAcrossEvents: each session gets its own state, created on
// first use and kept between its events; ConversationEnded's handler still
// sees it, and it is dropped once that handler returned.
func TestSessionStateAcrossEvents(t *testing.T) {
	st := NewSessionState[flowState]()
	var ends endLog
	st.OnEnd(ends.hook)
	d := newTestDispatcher(t, WithSessionState(st))
	seenAtEnd := make(chan int, 2)
	d.OnText(func(ctx context.Context, a *Text) error {
		s, err := st.Get(ctx)
		if err != nil {
			return err
		}
		s.Step++
		s.Typed = append(s.Typed, a.Text)
		return nil
	})
	d.OnConversationEnded(func(ctx context.Context, a *ConversationEnded) error {
		s, err := st.Get(ctx)
		if err != nil {
			return err
		}
		seenAtEnd <- s.Step
		return nil
	})
	d.Start()
	for i := range 3 {
		hookPost(d, hookText(1, fmt.Sprint("a", i)))
		if i < 2 {
			hookPost(d, hookText(2, fmt.Sprint("b", i)))
		}
	}
	waitUntil(t, func() bool {
		s1, _ := st.Peek(1)
		s2, _ := st.Peek(2)
		return s1.Step == 3 && s2.Step == 2
	})
	if s1, _ := st.Peek(1); !slices.Equal(s1.Typed, []string{"a0", "a1", "a2"}) {
		t.Errorf("session 1 typed %q", s1.Typed)
	}
	hookPost(d, endedBody(1))
	if got := <-seenAtEnd; got != 3 {
		t.Errorf("ConversationEnded's handler saw step %d, want 3", got)
	}
	waitUntil(t, func() bool { return st.Len() == 1 })
	if _, ok := st.Peek(1); ok {
		t.Error("session 1's state kept after ConversationEnded")
	}
	if got := ends.get(); !slices.Equal(got, []string{"1:ended:3"}) {
		t.Errorf("OnEnd calls %q, want [1:ended:3]", got)
	}
	// A session ended without a handler for ConversationEnded, or without
	// state, is dropped all the same.
	hookPost(d, endedBody(2))
	hookPost(d, endedBody(3))
	waitUntil(t, func() bool { return st.Len() == 0 })
}

// TestSessionStateExpires: a session idle for the TTL is dropped and OnEnd
// says so; one whose handler is still running is kept until it returns.
func TestSessionStateExpires(t *testing.T) {
	st := NewSessionState[flowState](WithSessionTTL(50 * time.Millisecond))
	var ends endLog
	st.OnEnd(ends.hook)
	d := newTestDispatcher(t, WithSessionState(st))
	release := make(chan struct{})
	d.OnText(func(ctx context.Context, a *Text) error {
		s, err := st.Get(ctx)
		if err != nil {
			return err
		}
		s.Step++
		if a.Text == "slow" {
			<-release
		}
		return nil
	})
	d.Start()
	hookPost(d, hookText(1, "quick"))
	hookPost(d, hookText(2, "slow"))
	waitUntil(t, func() bool { return slices.Contains(ends.get(), "1:expired:1") })
	time.Sleep(150 * time.Millisecond) // 3 TTLs with session 2's handler running
	if st.Len() != 1 || len(ends.get()) != 1 {
		t.Fatalf("the state of a session whose handler runs expired: %q", ends.get())
	}
	close(release)
	waitUntil(t, func() bool { return st.Len() == 0 })
	if got := ends.get(); !slices.Equal(got, []string{"1:expired:1", "2:expired:1"}) {
		t.Errorf("OnEnd calls %q", got)
	}
}

// TestSessionStateBounded: beyond MaxSessions, the sessions idle longest are
// evicted, and OnEnd says so.
func TestSessionStateBounded(t *testing.T) {
	st := NewSessionState[flowState](WithMaxSessions(3))
	var ends endLog
	st.OnEnd(ends.hook)
	d := newTestDispatcher(t, WithSessionState(st), WithWorkers(1))
	d.OnText(func(ctx context.Context, a *Text) error {
		s, err := st.Get(ctx)
		if err == nil {
			s.Step++
		}
		return err
	})
	d.Start()
	for id := range int64(5) {
		hookPost(d, hookText(id+1, "x"))
		waitUntil(t, func() bool { _, ok := st.Peek(id + 1); return ok })
	}
	if st.Len() != 3 {
		t.Errorf("%d sessions kept, want 3", st.Len())
	}
	if got := ends.get(); !slices.Equal(got, []string{"1:evicted:1", "2:evicted:1"}) {
		t.Errorf("OnEnd calls %q, want sessions 1 and 2 evicted", got)
	}
}

// TestSessionStateOutsideHandler: Get outside a handler, or with a state the
// dispatcher was not given, is ErrNoSession, never a panic.
func TestSessionStateOutsideHandler(t *testing.T) {
	st := NewSessionState[flowState]()
	if _, err := st.Get(context.Background()); !errors.Is(err, ErrNoSession) {
		t.Errorf("Get outside a handler: %v", err)
	}
	other := NewSessionState[int]()
	d := newTestDispatcher(t, WithSessionState(st))
	got := make(chan error, 1)
	d.OnText(func(ctx context.Context, a *Text) error {
		_, err := other.Get(ctx)
		got <- err
		return nil
	})
	d.Start()
	hookPost(d, hookText(1, "x"))
	if err := <-got; !errors.Is(err, ErrNoSession) {
		t.Errorf("Get of a state the dispatcher was not given: %v", err)
	}
}

// memStore is a SessionStore on a map that counts its calls.
type memStore struct {
	mu                   sync.Mutex
	data                 map[int64][]byte
	loads, saves, delete int
}

func (m *memStore) Load(_ context.Context, id int64) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.loads++
	return m.data[id], nil
}

func (m *memStore) Save(_ context.Context, id int64, b []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.saves++
	m.data[id] = b
	return nil
}

func (m *memStore) Delete(_ context.Context, id int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.delete++
	delete(m.data, id)
	return nil
}

func (m *memStore) counts() (string, int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return string(m.data[1]), m.loads*100 + m.saves*10 + m.delete
}

// TestSessionStateStore: with a SessionStore the state is loaded for each
// handler that asks, saved as JSON when it changed, and deleted when the
// session ends.
func TestSessionStateStore(t *testing.T) {
	store := &memStore{data: map[int64][]byte{}}
	st := NewSessionState[flowState](WithSessionStore(store))
	var ends endLog
	st.OnEnd(ends.hook)
	d := newTestDispatcher(t, WithSessionState(st), WithWorkers(1))
	done := make(chan struct{}, 4)
	d.OnText(func(ctx context.Context, a *Text) error {
		defer func() { done <- struct{}{} }()
		s, err := st.Get(ctx)
		if err != nil {
			return err
		}
		if a.Text != "read" {
			s.Step++
			s.Typed = append(s.Typed, a.Text)
		}
		return nil
	})
	d.Start()
	for _, text := range []string{"hi", "there", "read"} {
		hookPost(d, hookText(1, text))
		<-done
	}
	waitUntil(t, func() bool { _, n := store.counts(); return n == 320 })
	if data, n := store.counts(); data != `{"Step":2,"Typed":["hi","there"]}` || n != 320 {
		t.Errorf("store holds %s after %d (loads*100+saves*10+deletes), want 2 saves of 3 loads", data, n)
	}
	hookPost(d, endedBody(1))
	waitUntil(t, func() bool { _, n := store.counts(); return n == 321 })
	if data, _ := store.counts(); data != "" {
		t.Errorf("store still holds %s after ConversationEnded", data)
	}
	waitUntil(t, func() bool { return len(ends.get()) == 1 })
	if got := ends.get(); got[0] != "1:ended:-1" {
		t.Errorf("OnEnd calls %q", got)
	}
}

// TestSessionStateConcurrent: many sessions at once, each counting its own
// events, under the race detector.
func TestSessionStateConcurrent(t *testing.T) {
	st := NewSessionState[flowState]()
	d := newTestDispatcher(t, WithSessionState(st))
	d.OnText(func(ctx context.Context, a *Text) error {
		s, err := st.Get(ctx)
		if err == nil {
			s.Step++
		}
		return err
	})
	d.Start()
	var wg sync.WaitGroup
	for id := range int64(20) {
		wg.Go(func() {
			for range 25 {
				hookPost(d, hookText(id+1, "x"))
			}
		})
	}
	wg.Wait()
	waitUntil(t, func() bool {
		for id := range int64(20) {
			if s, _ := st.Peek(id + 1); s.Step != 25 {
				return false
			}
		}
		return true
	})
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestSessionStateExpiresInIdleOrder: a session whose long handler ended
// last is not in the way of one that went idle before it: they expire in
// the order they went idle.
func TestSessionStateExpiresInIdleOrder(t *testing.T) {
	st := NewSessionState[flowState](WithSessionTTL(100 * time.Millisecond))
	var ends endLog
	st.OnEnd(ends.hook)
	d := newTestDispatcher(t, WithSessionState(st))
	d.OnText(func(ctx context.Context, a *Text) error {
		if _, err := st.Get(ctx); err != nil {
			return err
		}
		if a.Text == "slow" {
			time.Sleep(80 * time.Millisecond)
		}
		return nil
	})
	d.Start()
	hookPost(d, hookText(1, "slow")) // used first, idle last
	time.Sleep(10 * time.Millisecond)
	hookPost(d, hookText(2, "quick"))
	waitUntil(t, func() bool { return len(ends.get()) == 2 })
	if got := ends.get(); got[0] != "2:expired:0" || got[1] != "1:expired:0" {
		t.Errorf("expired in the order %q, want session 2 (idle first) then 1", got)
	}
}
