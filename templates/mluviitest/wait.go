package mluviitest

import (
	"context"
	"fmt"
	"strings"
)

// The bot-watching helpers return each accepted activity of the bot at most
// once: an activity a helper has returned is consumed, and the next helper
// looks at the ones after it… or before it, when looking for another name.
// So Expect("Text") then Expect("GetCallParams") passes whichever order the
// bot sent them in.

// Next waits for the bot's earliest unconsumed activity in this session.
func (se *Session) Next(ctx context.Context) (Entry, error) {
	return se.wait(ctx, "activity from the bot", (*Entry).Accepted, false)
}

// WaitFor waits for the bot's earliest unconsumed activity of this name.
func (se *Session) WaitFor(ctx context.Context, name string) (Entry, error) {
	e, err := se.wait(ctx, name+" from the bot", func(e *Entry) bool { return e.Accepted() && e.Name == name }, false)
	if err != nil {
		if why := se.rejected(name); why != "" {
			// The bot did send it: say so, or the message reads as if it had not.
			err = fmt.Errorf("%w\nthe bot sent %s, and mluvii rejected it: %s", err, name, why)
		}
	}
	return e, err
}

// rejected describes the bot's activities of this name that mluvii
// answered with an error, or returns "".
func (se *Session) rejected(name string) string {
	var out []string
	for _, e := range se.Transcript() {
		if e.Dir == FromBot && e.Name == name && !e.Accepted() {
			why := strings.Join(e.Problems, "; ")
			if why == "" {
				why = e.Note
			}
			out = append(out, fmt.Sprintf("%d %s", e.Status, why))
		}
	}
	return strings.Join(out, "; ")
}

// WaitForText waits until the bot has said exactly text (a Text or message
// activity). The bot's earlier unconsumed messages are consumed with it.
func (se *Session) WaitForText(ctx context.Context, text string) (Entry, error) {
	return se.wait(ctx, fmt.Sprintf("message %q from the bot", text), func(e *Entry) bool {
		return e.Accepted() && e.isSaid && e.said == text
	}, true)
}

// WaitDelivered waits until mluvii has delivered an activity of this name to
// the bot in this session (the bot answered, whatever the status), and
// returns the earliest such delivery not returned before. Useful to wait for
// a response or an event the bot does not react to visibly.
func (se *Session) WaitDelivered(ctx context.Context, name string) (Entry, error) {
	return se.wait(ctx, "delivery of "+name+" to the bot", func(e *Entry) bool {
		return e.Dir == ToBot && e.Name == name && e.Status != 0
	}, false)
}

// Expect is WaitFor bounded by the server's timeout (WithTimeout, default 5 s);
// it fails the test with the session's transcript when nothing comes. Call it
// from the test's goroutine.
func (se *Session) Expect(name string) Entry {
	se.s.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), se.s.cfg.timeout)
	defer cancel()
	e, err := se.WaitFor(ctx, name)
	if err != nil {
		se.s.tb.Fatalf("%v", err)
	}
	return e
}

// ExpectNext is Next bounded by the server's timeout; it fails the test when
// the bot does nothing.
func (se *Session) ExpectNext() Entry {
	se.s.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), se.s.cfg.timeout)
	defer cancel()
	e, err := se.Next(ctx)
	if err != nil {
		se.s.tb.Fatalf("%v", err)
	}
	return e
}

// AssertBotSaid waits (up to the server's timeout) until the bot has said
// exactly text in this session, and fails the test otherwise, listing what
// it did say.
func (se *Session) AssertBotSaid(text string) {
	se.s.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), se.s.cfg.timeout)
	defer cancel()
	if _, err := se.WaitForText(ctx, text); err != nil {
		se.s.tb.Fatalf("%v\nthe bot said: %s", err, quoteAll(se.Said()))
	}
}

// Said lists everything the bot has said in the session, in order.
func (se *Session) Said() []string {
	s := se.s
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, e := range se.ss.entries {
		if e.isSaid {
			out = append(out, e.said)
		}
	}
	return out
}

// Pending returns the bot's accepted activities no helper has returned yet.
func (se *Session) Pending() []Entry {
	s := se.s
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := se.ss
	return copyEntries(ss.entries, func(e *Entry) bool { return e.Accepted() && !ss.consumed[e.Seq] })
}

// wait returns the session's earliest unconsumed entry matching match,
// waiting for one until ctx ends, and consumes it. With upTo, the unconsumed
// messages of the bot before it are consumed too.
func (se *Session) wait(ctx context.Context, what string, match func(*Entry) bool, upTo bool) (Entry, error) {
	s := se.s
	for {
		s.mu.Lock()
		ss := se.ss
		for _, e := range ss.entries {
			if ss.consumed[e.Seq] || !match(e) {
				continue
			}
			ss.consumed[e.Seq] = true
			if upTo {
				consumeSaidBefore(ss, e.Seq)
			}
			found := *e
			s.mu.Unlock()
			return found, nil
		}
		notify, closed := ss.notify, s.closed
		s.mu.Unlock()
		if closed {
			return Entry{}, fmt.Errorf("mluviitest: session %d: waiting for %s: the server is closed", se.id, what)
		}
		select {
		case <-notify:
		case <-ctx.Done():
			return Entry{}, fmt.Errorf("mluviitest: session %d: no %s (%v); the session's transcript:\n%s",
				se.id, what, ctx.Err(), dump(se.Transcript()))
		case <-s.ctx.Done():
		}
	}
}

func consumeSaidBefore(ss *sessionState, seq int) {
	for _, e := range ss.entries {
		if e.Seq < seq && e.isSaid {
			ss.consumed[e.Seq] = true
		}
	}
}

// saidText extracts what a bot message says: the text of a Text or of a
// message-role activity.
func saidText(a *actInfo, fields map[string]any) (string, bool) {
	if a == nil || (a.role != "message" && !strings.EqualFold(a.name, "Text")) {
		return "", false
	}
	text, ok := fields["text"].(string)
	return text, ok
}

// expectAs is Expect plus a type assertion, for the generated Expect<Activity>.
func expectAs[T Activity](se *Session, name string) T {
	se.s.tb.Helper()
	e := se.Expect(name)
	a, ok := e.Activity.(T)
	if !ok {
		se.s.tb.Fatalf("mluviitest: session %d: the bot's %s (#%d) did not decode as %T: %s", se.id, name, e.Seq, a, e.Body)
	}
	return a
}
