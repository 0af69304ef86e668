package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/mluviigen/mluviigen/generated/mluvii"
	"github.com/mluviigen/mluviigen/generated/mluvii/mluviitest"
)

// follower walks the fake's transcript: it yields every entry once when it
// appears, and once more when the outcome of a delivery that was pending
// then arrives. It forgets a pending entry that left the transcript, so what
// it holds is bounded by the transcript's --keep-entries.
type follower struct {
	next    int          // the first Seq not seen yet
	pending map[int]bool // Seq of entries yielded while pending
}

func newFollower(from int) *follower {
	return &follower{next: max(from, 1), pending: map[int]bool{}}
}

// poll returns what changed since the last poll, and a channel closed at the
// transcript's next change.
func (f *follower) poll(fake *mluviitest.Server) ([]mluviitest.Entry, <-chan struct{}) {
	lo := f.next
	for seq := range f.pending {
		lo = min(lo, seq)
	}
	entries, changed := fake.Watch(lo)
	// A pending entry Watch no longer returns has left the transcript
	// (--keep-entries, --keep-ended): its outcome will never come.
	present := make(map[int]bool, len(f.pending))
	for _, e := range entries {
		if f.pending[e.Seq] {
			present[e.Seq] = true
		}
	}
	for seq := range f.pending {
		if !present[seq] {
			delete(f.pending, seq)
		}
	}
	var out []mluviitest.Entry
	for _, e := range entries {
		isNew := e.Seq >= f.next
		if isNew {
			f.next = e.Seq + 1
		}
		p := pending(e)
		switch {
		case isNew && p:
			f.pending[e.Seq] = true
		case isNew:
		case f.pending[e.Seq] && !p:
			delete(f.pending, e.Seq)
		default:
			continue
		}
		out = append(out, e)
	}
	return out, changed
}

// pending reports whether e is a delivery to the bot still waiting for its answer.
func pending(e mluviitest.Entry) bool {
	return e.Dir == mluviitest.ToBot && e.Status == 0 && e.Err == ""
}

// entryView is one transcript entry as the page shows it.
type entryView struct {
	Seq       int    `json:"seq"`
	Time      string `json:"time"`
	Dir       string `json:"dir"` // "toBot" (mluvii → bot) or "fromBot" (bot → mluvii)
	SessionID int64  `json:"sessionId,omitempty"`
	Name      string `json:"name"`
	// Status is mluvii's answer to the bot (fromBot) or the bot's answer (toBot).
	Status   int      `json:"status,omitempty"`
	Pending  bool     `json:"pending,omitempty"`
	Problems []string `json:"problems,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
	Error    string   `json:"error,omitempty"`
	Note     string   `json:"note,omitempty"`
	// Body is the JSON exactly as sent; Activity is it decoded and written
	// back by the generated package (the spec's key spelling), or absent.
	Body     string          `json:"body"`
	Activity json.RawMessage `json:"activity,omitempty"`
	// HTML is a bot message's text, sanitized for the page.
	HTML string `json:"html,omitempty"`
}

func viewEntry(e mluviitest.Entry) entryView {
	v := entryView{
		Seq: e.Seq, Time: e.Time.Format(time.RFC3339Nano), SessionID: e.SessionID, Name: e.Name,
		Status: e.Status, Pending: pending(e), Problems: e.Problems, Warnings: e.Warnings,
		Error: e.Err, Note: e.Note, Body: string(e.Body),
	}
	switch e.Dir {
	case mluviitest.FromBot:
		v.Dir = "fromBot"
	case mluviitest.ToBot:
		v.Dir = "toBot"
	}
	if e.Activity != nil {
		if b, err := e.Activity.MarshalJSON(); err == nil && json.Valid(b) {
			v.Activity = b
		}
	}
	if e.Dir == mluviitest.FromBot {
		switch a := e.Activity.(type) {
		case *mluvii.Text:
			v.HTML = sanitizeHTML(a.Text)
		case *mluvii.Message:
			v.HTML = sanitizeHTML(a.Text)
		}
	}
	return v
}

// GET /events[?session=ID]: server-sent events. "entry" events carry
// entryViews (id: the entry's Seq; an entry is sent again with the same id
// when a pending delivery's outcome arrives); with session, only that
// session's entries and the ones of no session (Ping) are sent, plus "state"
// events with the session's state whenever it changed. A reconnecting
// EventSource resumes after Last-Event-ID.
func (m *mock) handleEvents(w http.ResponseWriter, r *http.Request) {
	var session *mluviitest.Session
	if v := r.URL.Query().Get("session"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			apiError(w, http.StatusBadRequest, "session must be a session id")
			return
		}
		if session = m.fake.Session(id); session == nil {
			apiError(w, http.StatusNotFound, fmt.Sprintf("no session %d", id))
			return
		}
	}
	from := 1
	if n, err := strconv.Atoi(r.Header.Get("Last-Event-ID")); err == nil && n >= 0 {
		from = n + 1
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	s := &eventStream{w: w, flush: rc.Flush, f: newFollower(from), session: session}
	_ = s.run(r.Context(), m.fake, m.stopping)
}

// eventStream is one client's SSE connection.
type eventStream struct {
	w         io.Writer
	flush     func() error
	f         *follower
	session   *mluviitest.Session // nil: every session
	lastState []byte
}

func (s *eventStream) run(ctx context.Context, fake *mluviitest.Server, stopping <-chan struct{}) error {
	// The state tick catches state changes the transcript does not show (the
	// end of a session after its last delivery); the keepalive keeps proxies
	// from closing an idle stream.
	stateTick := time.NewTicker(time.Second)
	defer stateTick.Stop()
	keepalive := time.NewTicker(15 * time.Second)
	defer keepalive.Stop()
	if _, err := io.WriteString(s.w, "retry: 1000\n\n"); err != nil {
		return err
	}
	for {
		changed, err := s.step(fake)
		if err != nil {
			return err
		}
		if err := s.flush(); err != nil {
			return err
		}
		select {
		case <-changed:
		case <-stateTick.C:
		case <-keepalive.C:
			if _, err := io.WriteString(s.w, ": keepalive\n\n"); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		case <-stopping:
			return nil
		}
	}
}

// step writes what changed and returns the channel to wait on.
func (s *eventStream) step(fake *mluviitest.Server) (<-chan struct{}, error) {
	entries, changed := s.f.poll(fake)
	for _, e := range entries {
		if s.session != nil && e.SessionID != s.session.ID() && e.SessionID != 0 {
			continue
		}
		if err := s.event(strconv.Itoa(e.Seq), "entry", viewEntry(e)); err != nil {
			return nil, err
		}
	}
	if s.session == nil {
		return changed, nil
	}
	st, err := json.Marshal(viewState(s.session.State()))
	if err != nil || bytes.Equal(st, s.lastState) {
		return changed, err
	}
	s.lastState = st
	_, err = fmt.Fprintf(s.w, "event: state\ndata: %s\n\n", st)
	return changed, err
}

func (s *eventStream) event(id, name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(s.w, "id: %s\nevent: %s\ndata: %s\n\n", id, name, b)
	return err
}
