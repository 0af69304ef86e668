package mluviitest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// outgoing is a body waiting in a session's outbox.
type outgoing struct {
	name string
	body []byte
	note string
}

// send delivers an activity mluvii sends, applying its injected fault. With
// sync it posts from the caller's goroutine and returns the delivery's
// error; otherwise it queues the body in the session's outbox. Each copy
// holds a delivery slot (WithMaxDeliveries) until it is over: send takes
// one, or uses the one the caller holds (a response's, taken when its
// request was accepted); with none to take it returns ErrOverloaded.
func (s *Server) send(ss *sessionState, name string, body []byte, sync, held bool) error {
	s.mu.Lock()
	if !held {
		if err := s.reserve(1); err != nil {
			s.refusedDeliveries++
			s.mu.Unlock()
			return err
		}
	}
	f, faulty := s.takeFault(name, ToBot)
	copies := 1 + btoi(faulty && f.Duplicate)
	s.deliveries += copies - 1 // a duplicate may exceed the bound
	s.mu.Unlock()
	o := outgoing{name: name, body: body}
	if faulty {
		o.note = f.String()
	}
	switch {
	case faulty && f.Drop:
		act, _ := decodeActivity(body)
		s.mu.Lock()
		s.deliveries -= copies
		s.record(ss, &Entry{Dir: ToBot, Name: name, Body: body, Activity: act, Note: o.note, Err: "dropped: not delivered"})
		s.mu.Unlock()
		return nil
	case faulty && f.Delay > 0:
		for range copies {
			s.later(ss, o, f.Delay)
		}
		return nil
	}
	for i := range copies {
		if !sync {
			s.enqueue(ss, o)
			continue
		}
		err := s.post(s.ctx, ss, o)
		s.done(1)
		if err != nil {
			s.done(copies - 1 - i)
			return err
		}
	}
	return nil
}

// later queues o after d on the server's clock.
func (s *Server) later(ss *sessionState, o outgoing, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		s.deliveries--
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if s.sleep(s.ctx, d) {
			s.enqueue(ss, o)
		} else {
			s.done(1)
		}
	}()
}

// enqueue adds o to the session's outbox, starting its drainer if idle. One
// drainer per session keeps that session's deliveries in order.
func (s *Server) enqueue(ss *sessionState, o outgoing) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		s.deliveries--
		return
	}
	if ss == nil { // Ping
		s.wg.Add(1)
		go func() { defer s.wg.Done(); _ = s.post(s.ctx, nil, o); s.done(1) }()
		return
	}
	ss.out = append(ss.out, o)
	if ss.draining {
		return
	}
	ss.draining = true
	s.wg.Add(1)
	go s.drain(ss)
}

func (s *Server) drain(ss *sessionState) {
	defer s.wg.Done()
	for {
		s.mu.Lock()
		if len(ss.out) == 0 || s.closed {
			s.deliveries -= len(ss.out)
			ss.out, ss.draining = nil, false
			s.mu.Unlock()
			return
		}
		o := ss.out[0]
		ss.out = ss.out[1:]
		s.mu.Unlock()
		err := s.post(s.ctx, ss, o)
		s.done(1)
		if err != nil {
			s.logf("%v", err)
		}
	}
}

var errDisabled = errors.New("mluviitest: the chatbot is disabled: its callback failed to ack with 200 within the budget for too long (Server.Enable re-enables it)")

// post POSTs one body to the callback URL, records it, and tracks the acks
// for the disable rule. It holds no lock while the bot handles the request.
func (s *Server) post(ctx context.Context, ss *sessionState, o outgoing) error {
	act, _ := decodeActivity(o.body)
	s.mu.Lock()
	e := s.record(ss, &Entry{Dir: ToBot, Name: o.name, Body: o.body, Activity: act, Note: o.note})
	target, err := s.callbackURL, error(nil)
	switch {
	case s.closed:
		err = errors.New("mluviitest: the server is closed")
	case s.disabled:
		err = errDisabled
	case target == "":
		err = errors.New("mluviitest: no callback URL: set it with WithCallbackURL, SetCallbackURL or PUT /api/v1/Chatbot/{id}?callbackUrl=…")
	}
	if err != nil {
		e.Err = "not delivered: " + err.Error()
		s.mu.Unlock()
		return err
	}
	s.mu.Unlock()

	status, elapsed, err := s.postOnce(ctx, target, o)
	s.mu.Lock()
	defer s.mu.Unlock()
	e.Status = status
	if err == nil && elapsed > s.cfg.ackBudget {
		err = fmt.Errorf("mluviitest: the bot acked %s after %v; mluvii requires an ack within %v", o.name, elapsed, s.cfg.ackBudget)
	}
	if err != nil {
		e.Err = err.Error()
	}
	if ctx.Err() == nil && !s.closed {
		s.noteAck(err == nil)
	}
	s.changed(ss)
	return err
}

// postOnce does the HTTP request. Credentials in the URL's userinfo go out as
// Basic auth (net/http does that), the query string goes out as given.
func (s *Server) postOnce(ctx context.Context, target string, o outgoing) (int, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(o.body))
	if err != nil {
		return 0, 0, fmt.Errorf("mluviitest: callback URL %q: %w", redactQuery(target), redactURLError(err))
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	start := s.clock.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, s.clock.Now().Sub(start), fmt.Errorf("mluviitest: POST %s to the bot: %w", o.name, redactURLError(err))
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	elapsed := s.clock.Now().Sub(start)
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, elapsed, fmt.Errorf("mluviitest: the bot answered %s to %s; mluvii requires 200 OK", resp.Status, o.name)
	}
	return resp.StatusCode, elapsed, nil
}

// noteAck applies mluvii's rule: a bot whose callback keeps failing (not 200
// within the budget) for longer than disableAfter is disabled. Called with
// s.mu held.
func (s *Server) noteAck(ok bool) {
	now := s.clock.Now()
	switch {
	case ok:
		s.failingSince = time.Time{}
	case s.failingSince.IsZero():
		s.failingSince = now
	case !s.disabled && now.Sub(s.failingSince) > s.cfg.disableAfter:
		s.disabled = true
		s.record(nil, &Entry{Dir: ToBot, Note: "chatbot disabled", Err: fmt.Sprintf(
			"callbacks failing since %s (%v)", s.failingSince.Format(time.RFC3339), now.Sub(s.failingSince))})
	}
}

// Disabled reports whether mluvii has disabled the chatbot for failing acks.
func (s *Server) Disabled() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.disabled
}

// Enable re-enables a disabled chatbot, as an administrator would.
func (s *Server) Enable() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.disabled, s.failingSince = false, time.Time{}
}

// redactQuery replaces the values of a URL's query with "…": bots carry
// their callback secret there, and errors end up in the transcript, the logs
// and mluvii-mock's page.
func redactQuery(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		if base, _, found := strings.Cut(rawURL, "?"); found {
			return base + "?…"
		}
		return rawURL
	}
	if u.RawQuery == "" && u.User == nil {
		return rawURL
	}
	q := u.Query()
	for k := range q {
		q[k] = []string{"…"}
	}
	u.RawQuery = q.Encode()
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	return u.String()
}

// redactURLError redacts the URL net/http's errors name.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = redactQuery(ue.URL)
	}
	return err
}
