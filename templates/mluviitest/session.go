package mluviitest

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
)

// sessionState is one conversation as mluvii holds it. Guarded by Server.mu.
type sessionState struct {
	id              int64
	channel, source string
	language        string
	params          map[string]string
	guestInput      bool
	guestUpload     bool
	tags            []string
	crmID           int64
	identity        map[string]any
	lat, lon        float64
	ended           bool
	endedBy         string
	endedAt         time.Time // on the server's clock
	released        bool      // no longer in Server.sessions
	forward         map[string]any
	heroCards       []int64
	emails          []map[string]any
	shared          []map[string]any
	entries         []*Entry
	notify          chan struct{}
	consumed        map[int]bool // Seq of bot activities a helper has returned
	out             []outgoing   // pending asynchronous deliveries, in order
	draining        bool
	replay          map[string][][]byte // recorded answers by response name (replay.go)
	prompts         []Prompt            // pending prompts, oldest first (prompts.go)
	uploads         []*storedFile       // the guest's stored files (files.go)
	routing         *Routing            // where HandOff or Forward took the session (routing.go)
}

// SessionState is a snapshot of a session as mluvii holds it.
type SessionState struct {
	ID       int64
	Channel  string // channel name from the spec (WebChat, …)
	Source   string // the session's source value (Default, …)
	Language string
	// CallParams are the session's call parameters (SetCallParams merges into them).
	CallParams  map[string]string
	GuestInput  bool // guest text input shown (EnableGuestInput/DisableGuestInput)
	GuestUpload bool // guest file upload allowed (EnableGuestUpload/DisableGuestUpload)
	Tags        []string
	// CRMIdentityID is the contact assigned by AssignCrmIdentity (0: none).
	CRMIdentityID int64
	// Ended is set once the bot's part is over; EndedBy says how: EndConversation,
	// HandOff, Forward, or guest (End).
	Ended   bool
	EndedBy string
	// ForwardedTo holds the Forward request's fields (operatorGroupId, userId).
	ForwardedTo   map[string]any
	HeroCardsSent []int64
	OfflineEmails []map[string]any // SendGuestOfflineEmail requests' fields
	SharedFiles   []map[string]any // ShareFile requests' fields
	// Prompts are the bot's requests waiting for the guest (see Prompt).
	Prompts []Prompt
	// Uploads are the files the guest uploaded that the fake still serves.
	Uploads []FileInfo
	// Routing says where HandOff or Forward took the session: to an
	// operator, into a queue, or to the offline form (nil before).
	Routing *Routing
}

func (ss *sessionState) snapshot(base string) SessionState {
	st := SessionState{
		ID: ss.id, Channel: ss.channel, Source: ss.source, Language: ss.language,
		CallParams: maps.Clone(ss.params), GuestInput: ss.guestInput, GuestUpload: ss.guestUpload,
		Tags: slices.Clone(ss.tags), CRMIdentityID: ss.crmID, Ended: ss.ended, EndedBy: ss.endedBy,
		ForwardedTo: maps.Clone(ss.forward), HeroCardsSent: slices.Clone(ss.heroCards),
		OfflineEmails: slices.Clone(ss.emails), SharedFiles: slices.Clone(ss.shared),
		Prompts: clonePrompts(ss.prompts),
	}
	for _, f := range ss.uploads {
		st.Uploads = append(st.Uploads, f.info(base))
	}
	if ss.routing != nil {
		r := *ss.routing
		st.Routing = &r
	}
	return st
}

// SessionOption configures a session started by StartConversation.
type SessionOption func(*sessionState)

// SessionLanguage sets the session's language (default: the server's, "cs").
func SessionLanguage(lang string) SessionOption { return func(ss *sessionState) { ss.language = lang } }

// SessionSource sets the session's source value (e.g. Invitation for a web
// chat started by an invitation); the channel follows from it.
func SessionSource(source string) SessionOption {
	return func(ss *sessionState) { ss.source = source; ss.channel = spec.channelOf(source) }
}

// SessionCallParams sets the session's initial call parameters.
func SessionCallParams(params map[string]string) SessionOption {
	return func(ss *sessionState) { maps.Copy(ss.params, params) }
}

// SessionID sets the session id (default: a fresh id above 2^32).
func SessionID(id int64) SessionOption { return func(ss *sessionState) { ss.id = id } }

// SessionIdentity sets the GetGuestIdentityResponse fields (default: an id
// fitting the channel, e.g. trackedGuestGuid on WebChat).
func SessionIdentity(fields map[string]any) SessionOption {
	return func(ss *sessionState) { ss.identity = maps.Clone(fields) }
}

// SessionLocation sets where the guest's browser is: the location
// WithAutoAnswer answers RequestLocation with.
func SessionLocation(lat, lon float64) SessionOption {
	return func(ss *sessionState) { ss.lat, ss.lon = lat, lon }
}

// Session is a handle on one conversation: script the guest with it and
// watch what the bot does in it. A handle keeps working after the server has
// released its ended session (WithEndedSessionsKept, WithSessionRetention).
type Session struct {
	s  *Server
	id int64
	ss *sessionState
}

// ID returns the session id.
func (se *Session) ID() int64 { return se.id }

// Server returns the fake the session lives on.
func (se *Session) Server() *Server { return se.s }

// State returns a snapshot of the session's state.
func (se *Session) State() SessionState {
	se.s.mu.Lock()
	defer se.s.mu.Unlock()
	return se.ss.snapshot(se.s.URL)
}

// SetCallParams changes call parameters as an operator or the web page would.
func (se *Session) SetCallParams(params map[string]string) {
	se.s.mu.Lock()
	defer se.s.mu.Unlock()
	maps.Copy(se.ss.params, params)
}

// Transcript returns the session's activities, both directions, in order.
func (se *Session) Transcript() []Entry {
	se.s.mu.Lock()
	defer se.s.mu.Unlock()
	return copyEntries(se.ss.entries, nil)
}

// Session returns the handle of a session by id, or nil (also for a session
// the server has released).
func (s *Server) Session(id int64) *Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prune()
	ss := s.sessions[id]
	if ss == nil {
		return nil
	}
	return &Session{s: s, id: id, ss: ss}
}

// Sessions returns every session the server holds (open, and ended but not
// released), oldest first.
func (s *Server) Sessions() []*Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prune()
	ids := slices.Sorted(maps.Keys(s.sessions))
	out := make([]*Session, len(ids))
	for i, id := range ids {
		out[i] = &Session{s: s, id: id, ss: s.sessions[id]}
	}
	return out
}

// StartConversation starts a session on a channel of the spec and sends the
// bot ConversationStarted, waiting for its ack. The session exists even when
// the delivery fails; the error says why it failed. When the fake is at
// WithMaxOpenSessions or WithMaxDeliveries, it returns nil and an error
// wrapping ErrOverloaded, and no session is started.
func (s *Server) StartConversation(channel Channel, opts ...SessionOption) (*Session, error) {
	se, err := s.openSession(channelName(channel), opts...)
	if err != nil {
		return nil, err
	}
	if spec.activity("ConversationStarted") == nil {
		return se, nil
	}
	err = se.Send("ConversationStarted", nil)
	if errors.Is(err, ErrOverloaded) { // nothing was delivered nor recorded
		s.forget(se.ss)
		return nil, err
	}
	return se, err
}

// forget removes a session that openSession made and nothing used.
func (s *Server) forget(ss *sessionState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sessions[ss.id] == ss {
		delete(s.sessions, ss.id)
		s.open--
	}
}

// openSession makes a session on the named channel without telling the bot.
func (s *Server) openSession(name string, opts ...SessionOption) (*Session, error) {
	ci, ok := spec.channel(name)
	switch {
	case !ok && len(spec.channels) == 0: // a spec without channels: anything goes
		ci = channelInfo{name: name, sources: []string{"Default"}}
	case !ok:
		return nil, fmt.Errorf("mluviitest: unknown channel %q (the spec's channels: %s)", name, spec.channelNames())
	}
	source := ci.name
	if len(ci.sources) > 0 {
		source = ci.sources[0]
	}
	ss := &sessionState{
		channel: ci.name, source: source, language: s.cfg.language,
		params: map[string]string{}, guestInput: true, lat: 50.0875726, lon: 14.4189987,
		notify: make(chan struct{}), consumed: map[int]bool{},
	}
	for _, o := range opts {
		o(ss)
	}
	if ss.identity == nil {
		ss.identity = defaultIdentity(ss.channel)
	}
	s.mu.Lock()
	s.prune()
	if s.cfg.maxOpen > 0 && s.open >= s.cfg.maxOpen {
		s.refusedDeliveries++
		s.mu.Unlock()
		return nil, fmt.Errorf("%w: %d sessions are open (WithMaxOpenSessions)", ErrOverloaded, s.open)
	}
	if ss.id == 0 {
		for s.sessions[s.nextID] != nil {
			s.nextID++
		}
		ss.id = s.nextID
		s.nextID++
	}
	if s.sessions[ss.id] != nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("mluviitest: session %d already exists", ss.id)
	}
	s.sessions[ss.id] = ss
	s.open++
	s.mu.Unlock()
	return &Session{s: s, id: ss.id, ss: ss}, nil
}

// defaultIdentity is what GetGuestIdentity answers on each channel.
func defaultIdentity(channel string) map[string]any {
	switch channel {
	case "Facebook":
		return map[string]any{"facebookPSID": "24" + randomDigits(14), "facebookPageId": "10" + randomDigits(13)}
	case "WhatsApp":
		return map[string]any{"whatsAppContactId": "420" + randomDigits(9)}
	case "Apple":
		return map[string]any{"appleContactId": "urn:mbid:" + randomHex(16)}
	case "VK":
		return map[string]any{"vkContactId": randomDigits(9)}
	}
	return map[string]any{"trackedGuestGuid": randomUUID()}
}

func randomDigits(n int) string {
	h := randomHex(n)
	b := []byte(h[:n])
	for i, c := range b {
		b[i] = '0' + c%10
	}
	return string(b)
}

func randomUUID() string {
	h := randomHex(16)
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}
