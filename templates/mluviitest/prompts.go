package mluviitest

import (
	"errors"
	"fmt"
	"maps"
	"slices"
)

// PromptKind says what a prompt asks of the guest.
type PromptKind string

const (
	// PromptUpload is a file dialog (ChatbotOpenFileUploadPrompt): the
	// guest uploads a file (Session.UploadToPrompt) or closes it
	// (Session.CancelPrompt).
	PromptUpload PromptKind = "upload"
	// PromptLocation is a location request (RequestLocation): the guest's
	// browser sends the location (Session.SendLocation) or the guest
	// declines (Session.CancelPrompt; mluvii then answers nothing).
	PromptLocation PromptKind = "location"
)

// Prompt is a request of the bot that mluvii answers only once the guest
// acts. Until then it is pending: the bot's …AndWait waits, as it does in
// production. WithAutoAnswer answers prompts at once instead.
type Prompt struct {
	// ID is the Seq of the request's entry in the transcript.
	ID   int
	Kind PromptKind
	// Request is the bot's request; Response the activity that answers it.
	Request, Response string
	// Fields are the request's fields by wire name (e.g. RequestLocation's text).
	Fields map[string]any
}

// maxPrompts bounds the prompts pending in a session: a bot opening more
// drops the oldest (its answer never comes).
const maxPrompts = 16

// WithAutoAnswer makes the guest answer every prompt at once, for tests
// that do not care about the guest's part: an upload prompt with a small
// stored text file, a location request with the session's location
// (SessionLocation). Without it a prompt waits for the test (Prompts,
// UploadToPrompt, CancelPrompt, SendLocation) or, in mluvii-mock, the page.
func WithAutoAnswer() Option { return func(c *config) { c.autoAnswer = true } }

// autoUpload is the file the guest uploads under WithAutoAnswer.
var autoUpload = File{Name: "guest-upload.txt", ContentType: "text/plain; charset=utf-8",
	Data: []byte("A file the guest uploaded (mluviitest.WithAutoAnswer).\n")}

// deferPrompt registers the request as a pending prompt when the guest
// answers it, reporting whether it did. A request is answered at once under
// WithAutoAnswer, with a Responder set for it, and in a replay that
// recorded its answer. Called with s.mu held.
func (s *Server) deferPrompt(chk *checked, ss *sessionState, seq int) bool {
	kind, ok := prompts[chk.act.name]
	resp := spec.activity(chk.act.response)
	if !ok || resp == nil || s.cfg.autoAnswer || s.cfg.responders[chk.act.name] != nil || len(ss.replay[resp.name]) > 0 {
		return false
	}
	// >=, not ==: answer puts a refused prompt back after releasing the lock,
	// so a prompt opened meanwhile can leave one more than the bound.
	if n := len(ss.prompts) - maxPrompts + 1; n > 0 {
		ss.prompts = slices.Delete(ss.prompts, 0, n)
	}
	ss.prompts = append(ss.prompts, Prompt{ID: seq, Kind: kind, Request: chk.act.name, Response: resp.name,
		Fields: maps.Clone(chk.fields)})
	s.changed(ss)
	return true
}

// Prompts returns the session's pending prompts, oldest first.
func (se *Session) Prompts() []Prompt {
	se.s.mu.Lock()
	defer se.s.mu.Unlock()
	return clonePrompts(se.ss.prompts)
}

func clonePrompts(ps []Prompt) []Prompt {
	out := make([]Prompt, len(ps))
	for i, p := range ps {
		out[i] = p
		out[i].Fields = maps.Clone(p.Fields)
	}
	return out
}

// ErrNoPrompt is wrapped by the errors of UploadToPrompt and CancelPrompt
// when the session has no pending prompt of the kind.
var ErrNoPrompt = errors.New("no pending prompt")

// takePrompt removes and returns the oldest pending prompt of a kind.
// Called with s.mu held.
func (se *Session) takePrompt(kind PromptKind) (Prompt, error) {
	ss := se.ss
	if ss.ended {
		return Prompt{}, fmt.Errorf("mluviitest: session %d has ended (%s); the guest can no longer act in it", se.id, ss.endedBy)
	}
	i := slices.IndexFunc(ss.prompts, func(p Prompt) bool { return p.Kind == kind })
	if i < 0 {
		return Prompt{}, fmt.Errorf("mluviitest: session %d: %w of kind %s (the bot has not asked, or it was answered)", se.id, ErrNoPrompt, kind)
	}
	p := ss.prompts[i]
	ss.prompts = slices.Delete(ss.prompts, i, i+1)
	se.s.changed(ss)
	return p, nil
}

// answer delivers a prompt's response and waits for the bot's ack; when
// the fake is overloaded the prompt stays pending.
func (se *Session) answer(p Prompt, fields map[string]any) error {
	s := se.s
	s.mu.Lock()
	body, err := s.eventBody(spec.activity(p.Response), se.ss, fields)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	err = s.send(se.ss, p.Response, body, true, false)
	if errors.Is(err, ErrOverloaded) {
		s.mu.Lock()
		se.ss.prompts = append([]Prompt{p}, se.ss.prompts...)
		s.mu.Unlock()
	}
	return err
}

// UploadToPrompt is the guest uploading f in the oldest pending upload
// prompt: the fake stores the file and answers the prompt with its URL
// (where the fake serves it), waiting for the bot's ack. It returns the URL,
// and an error when no upload prompt is pending, the file is over
// WithFileLimits (ErrFileTooLarge; the prompt stays pending), or the
// delivery failed.
func (se *Session) UploadToPrompt(f File) (string, error) {
	s := se.s
	s.mu.Lock()
	p, err := se.takePrompt(PromptUpload)
	if err != nil {
		s.mu.Unlock()
		return "", err
	}
	sf, err := s.store(se.ss, f)
	if err != nil {
		se.ss.prompts = append([]Prompt{p}, se.ss.prompts...)
		s.mu.Unlock()
		return "", err
	}
	u := sf.info(s.URL).URL
	s.mu.Unlock()
	return u, se.answer(p, promptAnswers[PromptUpload].uploaded(u))
}

// CancelPrompt is the guest closing the oldest pending prompt of a kind
// without answering: an upload prompt is answered as canceled by the guest;
// a location request is dropped, and mluvii sends the bot nothing.
func (se *Session) CancelPrompt(kind PromptKind) error {
	s := se.s
	s.mu.Lock()
	p, err := se.takePrompt(kind)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	if fields := promptAnswers[kind].canceled; fields != nil {
		return se.answer(p, fields)
	}
	return nil
}

// Upload is the guest attaching f with the paper clip: the fake stores it
// and sends the bot a GuestFileUpload with its URL, waiting for the ack. As
// in mluvii, the guest can upload only once the bot enabled uploads
// (EnableGuestUpload). It returns the file's URL.
func (se *Session) Upload(f File) (string, error) {
	if spec.activity("GuestFileUpload") == nil {
		return "", fmt.Errorf("mluviitest: the spec has no activity GuestFileUpload")
	}
	s := se.s
	s.mu.Lock()
	if !se.ss.guestUpload {
		s.mu.Unlock()
		return "", fmt.Errorf("mluviitest: session %d: %w", se.id, ErrUploadDisabled)
	}
	sf, err := s.store(se.ss, f)
	if err != nil {
		s.mu.Unlock()
		return "", err
	}
	u := sf.info(s.URL).URL
	s.mu.Unlock()
	return u, se.UploadFile(u)
}

// ErrUploadDisabled is wrapped by Upload's error in a session whose guest
// upload the bot has not enabled.
var ErrUploadDisabled = errors.New("guest upload is disabled in this session (the bot sends EnableGuestUpload)")
