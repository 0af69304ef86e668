package mluviitest

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// handleActivity is POST /api/v1/Chatbot/{chatbotId}/activity: the bot sends
// a message or an activity.
func (s *Server) handleActivity(w http.ResponseWriter, r *http.Request) {
	if !s.chatbotOK(w, r) || !s.authorized(w, r) {
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			httpError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", tooBig.Limit))
			return
		}
		httpError(w, http.StatusBadRequest, "reading body: "+err.Error())
		return
	}
	chk := spec.checkRequest(body)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		chk.warn("Content-Type is %q; mluvii's API expects application/json", ct)
	}
	act, _ := decodeActivity(body)
	e := &Entry{Dir: FromBot, Name: chk.name, Body: body, Activity: act, SessionID: chk.sessionID}
	if chk.act != nil {
		e.Name = chk.act.name
		e.said, e.isSaid = saidText(chk.act, chk.fields)
	}

	s.mu.Lock()
	f, faulty := s.takeFault(e.Name, FromBot)
	s.mu.Unlock()
	if faulty {
		e.Note = f.String()
		if !s.sleep(r.Context(), f.Delay) {
			return
		}
		if f.Status != 0 {
			s.answer(w, e, nil, f.Status, "injected fault")
			return
		}
	}
	out := s.accept(e, chk, f)
	s.answer(w, e, out, e.Status, strings.Join(e.Problems, "\n"))
}

// accept judges the activity against the session and applies it. It returns
// the responses to deliver. Fills e's status, problems and warnings.
func (s *Server) accept(e *Entry, chk *checked, f Fault) []reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.sessions[chk.sessionID]
	e.Problems = chk.problems
	warnings := chk.warnings
	if s.cfg.strict {
		for _, w := range warnings {
			e.Problems = append(e.Problems, "strict: "+w)
		}
		warnings = nil
	}
	if s.disabled {
		e.Problems = append(e.Problems, "the chatbot is disabled: its callback failed to ack with 200 within the budget for too long (Server.Enable re-enables it)")
		e.Status = http.StatusForbidden
	}
	if chk.act != nil && chk.act.hasSession && chk.sessionID != 0 {
		e.Problems = append(e.Problems, s.sessionProblems(chk, ss, &warnings)...)
	}
	e.Warnings = warnings
	if len(e.Problems) > 0 {
		if e.Status == 0 {
			e.Status = http.StatusBadRequest
		}
		s.record(ss, e)
		return nil
	}
	// A response is delivered later, in a slot taken now: without room the
	// request is refused and has no effect.
	slots := 0
	if !f.Drop && ss != nil && chk.act != nil && spec.activity(chk.act.response) != nil {
		slots = 1 + btoi(f.Duplicate)
	}
	if err := s.reserve(slots); err != nil {
		s.refusedRequests.Add(1)
		e.Problems = append(e.Problems, fmt.Sprintf("%v: no room for the %s; retry later", err, chk.act.response))
		e.Status = http.StatusTooManyRequests
		s.record(ss, e)
		return nil
	}
	e.Status = http.StatusOK
	s.record(ss, e)
	if f.Drop {
		return nil
	}
	var out []reply
	for range 1 + btoi(f.Duplicate) {
		if r, ok := s.apply(chk, ss, e.Seq); ok {
			out = append(out, r)
		}
	}
	s.deliveries -= slots - len(out)
	return out
}

// sessionProblems checks the session the activity is for: it exists, the bot
// still owns it, and its channel supports the activity. Called with s.mu held.
func (s *Server) sessionProblems(chk *checked, ss *sessionState, warnings *[]string) []string {
	name := chk.act.name
	switch {
	case ss == nil:
		return []string{fmt.Sprintf("%s: unknown session %d", name, chk.sessionID)}
	case ss.ended && ss.routing != nil:
		return []string{fmt.Sprintf("%s: session %d has ended (%s): %s; the bot can no longer act in it", name, ss.id, ss.endedBy, ss.routing)}
	case ss.ended:
		return []string{fmt.Sprintf("%s: session %d has ended (%s); the bot can no longer act in it", name, ss.id, ss.endedBy)}
	}
	cell, ok := chk.act.cell(ss.channel)
	switch {
	case !ok || cell.support == "yes":
	case cell.support == "no":
		return []string{fmt.Sprintf("%s is not supported on channel %s (session %d, source %q); the spec says no (%s)",
			name, ss.channel, ss.id, ss.source, cell.source)}
	default:
		*warnings = append(*warnings, fmt.Sprintf("%s on channel %s is unverified (%s)", name, ss.channel, cell.source))
	}
	var problems []string
	for _, use := range chk.uses {
		i := slices.IndexFunc(use.cells, func(c cellInfo) bool { return c.channel == ss.channel })
		if i < 0 {
			continue // the field follows the activity's row on this channel
		}
		switch c := use.cells[i]; c.support {
		case "no":
			problems = append(problems, fmt.Sprintf("%s: not supported on channel %s (session %d, source %q); the spec says no (%s)",
				use.path, ss.channel, ss.id, ss.source, c.source))
		case "unverified":
			*warnings = append(*warnings, fmt.Sprintf("%s on channel %s is unverified (%s)", use.path, ss.channel, c.source))
		}
	}
	return problems
}

// answer writes the HTTP answer (recording e first if nothing has) and then
// starts the deliveries, so a response does not overtake its request's answer.
func (s *Server) answer(w http.ResponseWriter, e *Entry, out []reply, status int, msg string) {
	if e.Seq == 0 { // not recorded yet: an injected status
		e.Status = status
		s.mu.Lock()
		s.record(s.sessions[e.SessionID], e)
		s.mu.Unlock()
	}
	switch status {
	case http.StatusOK:
		w.WriteHeader(http.StatusOK)
	case http.StatusTooManyRequests:
		tooMany(w, msg)
	default:
		httpError(w, status, msg)
	}
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
	for _, r := range out {
		s.respond(r)
	}
}

// handleCallbackURL is PUT /api/v1/Chatbot/{chatbotId}?callbackUrl=…
func (s *Server) handleCallbackURL(w http.ResponseWriter, r *http.Request) {
	if !s.chatbotOK(w, r) || !s.authorized(w, r) {
		return
	}
	raw := r.URL.Query().Get("callbackUrl")
	u, err := url.Parse(raw)
	if raw == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		httpError(w, http.StatusBadRequest, fmt.Sprintf("callbackUrl must be an absolute http(s) URL, got %q", raw))
		return
	}
	s.SetCallbackURL(raw)
	w.WriteHeader(http.StatusOK)
}

// SetCallbackURL sets the bot's callback URL; its query string is kept exactly.
func (s *Server) SetCallbackURL(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.callbackURL = u
}

// CallbackURL returns the bot's callback URL.
func (s *Server) CallbackURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.callbackURL
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
