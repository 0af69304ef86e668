package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/mluviigen/mluviigen/generated/mluvii"
	"github.com/mluviigen/mluviigen/generated/mluvii/mluviitest"
)

// The page's API. Every POST takes a JSON object (Content-Type
// application/json, which a cross-site form cannot send) and answers JSON:
//
//	200 {"sessionId":…, "state":{…}}            the guest acted, the bot acked
//	502 {"sessionId":…, "state":{…}, "error":…}  the guest acted, the delivery to the bot failed
//	400/404/409/415 {"error":…}                 bad request, unknown (or released) or ended session
//	503 {"error":…} + Retry-After               overloaded: --max-inflight, --max-deliveries or --max-open reached
//
// What the bot does in return arrives on GET /events.

// infoView is GET /chat/info: what the bot must be configured with, the
// channels and their restrictions, and the world's hero cards.
type infoView struct {
	BaseURL        string         `json:"baseUrl"`
	ChatbotID      int64          `json:"chatbotId"`
	ClientID       string         `json:"clientId"`
	ClientSecret   string         `json:"clientSecret"`
	CallbackURL    string         `json:"callbackUrl"`
	DefaultChannel string         `json:"defaultChannel"`
	Channels       []channelView  `json:"channels"`
	HeroCards      []heroCardView `json:"heroCards"`
}

type channelView struct {
	Name string `json:"name"`
	// Restrictions lists what the bot sends that the channel does not plainly
	// support: "no" (mluvii answers 400) or "unverified" (a warning).
	Restrictions []restriction `json:"restrictions"`
}

type restriction struct {
	Activity string `json:"activity"`
	Support  string `json:"support"`
	Source   string `json:"source,omitempty"`
}

type heroCardView struct {
	ID        int32    `json:"id"`
	Name      string   `json:"name"`
	Languages []string `json:"languages"`
	Fields    []string `json:"fields"`
}

func (m *mock) handleInfo(w http.ResponseWriter, r *http.Request) {
	v := infoView{
		BaseURL: m.cfg.baseURL, ChatbotID: m.cfg.chatbotID, ClientID: m.cfg.clientID,
		ClientSecret: m.cfg.clientSecret, CallbackURL: m.fake.CallbackURL(),
		DefaultChannel: string(m.cfg.channel), HeroCards: []heroCardView{},
	}
	for _, c := range mluvii.AllChannels() {
		v.Channels = append(v.Channels, channelView{Name: string(c), Restrictions: restrictions(c)})
	}
	for _, c := range m.cfg.world.HeroCards {
		v.HeroCards = append(v.HeroCards, heroCardView{ID: c.ID, Name: c.Name,
			Languages: nonNil(c.Languages), Fields: nonNil(m.cfg.world.HeroCardFields[c.ID])})
	}
	writeJSON(w, http.StatusOK, v)
}

// restrictions lists the activities a bot sends that channel c does not
// plainly support, from the spec's channel matrix.
func restrictions(c mluvii.Channel) []restriction {
	out := []restriction{}
	for _, a := range mluvii.Activities() {
		if !a.Sent {
			continue
		}
		sup := a.SupportOn(c)
		if sup == mluvii.SupportYes {
			continue
		}
		r := restriction{Activity: a.Name, Support: string(sup)}
		for _, cell := range a.Channels {
			if cell.Channel == c {
				r.Source = cell.Source
			}
		}
		out = append(out, r)
	}
	return out
}

// stateView is a session's state as the page shows it.
type stateView struct {
	SessionID     int64             `json:"sessionId"`
	Channel       string            `json:"channel"`
	Source        string            `json:"source"`
	Language      string            `json:"language"`
	CallParams    map[string]string `json:"callParams"`
	GuestInput    bool              `json:"guestInput"`
	GuestUpload   bool              `json:"guestUpload"`
	Tags          []string          `json:"tags"`
	CRMIdentityID int64             `json:"crmIdentityId,omitempty"`
	Ended         bool              `json:"ended"`
	EndedBy       string            `json:"endedBy,omitempty"`
	ForwardedTo   map[string]any    `json:"forwardedTo,omitempty"`
	HeroCardsSent []int64           `json:"heroCardsSent"`
	OfflineEmails []map[string]any  `json:"offlineEmails"`
	SharedFiles   []map[string]any  `json:"sharedFiles"`
}

func viewState(st mluviitest.SessionState) stateView {
	v := stateView{
		SessionID: st.ID, Channel: st.Channel, Source: st.Source, Language: st.Language,
		CallParams: st.CallParams, GuestInput: st.GuestInput, GuestUpload: st.GuestUpload,
		Tags: nonNil(st.Tags), CRMIdentityID: st.CRMIdentityID, Ended: st.Ended, EndedBy: st.EndedBy,
		ForwardedTo: st.ForwardedTo, HeroCardsSent: nonNil(st.HeroCardsSent),
		OfflineEmails: nonNil(st.OfflineEmails), SharedFiles: nonNil(st.SharedFiles),
	}
	if v.CallParams == nil {
		v.CallParams = map[string]string{}
	}
	return v
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// actionResult is the answer to a guest action.
type actionResult struct {
	SessionID int64     `json:"sessionId"`
	State     stateView `json:"state"`
	Error     string    `json:"error,omitempty"`
}

// GET /chat/session?id=…
func (m *mock) handleSession(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.URL.Query().Get("id"), 10, 64)
	if err != nil {
		apiError(w, http.StatusBadRequest, "id must be a session id")
		return
	}
	se := m.fake.Session(id)
	if se == nil {
		apiError(w, http.StatusNotFound, fmt.Sprintf("no session %d", id))
		return
	}
	writeJSON(w, http.StatusOK, viewState(se.State()))
}

// POST /chat/start {"channel":"WebChat","language":"en"}
func (m *mock) handleStart(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Channel  string `json:"channel"`
		Language string `json:"language"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	ch := m.cfg.channel
	if req.Channel != "" {
		var ok bool
		if ch, ok = channel(req.Channel); !ok {
			apiError(w, http.StatusBadRequest, fmt.Sprintf("unknown channel %q (the spec's channels: %s)", req.Channel, channelNames()))
			return
		}
	}
	var opts []mluviitest.SessionOption
	if len(m.cfg.world.CallParams) > 0 {
		opts = append(opts, mluviitest.SessionCallParams(m.cfg.world.CallParams))
	}
	if req.Language != "" {
		opts = append(opts, mluviitest.SessionLanguage(req.Language))
	}
	se, err := m.fake.StartConversation(ch, opts...)
	if errors.Is(err, mluviitest.ErrOverloaded) {
		overloaded(w, err.Error())
		return
	}
	if se == nil {
		apiError(w, http.StatusBadRequest, errText(err))
		return
	}
	m.result(w, se, err)
}

// POST /chat/text {"sessionId":…,"text":"hello"}
func (m *mock) handleText(w http.ResponseWriter, r *http.Request) {
	var req struct {
		SessionID int64  `json:"sessionId"`
		Text      string `json:"text"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	if strings.TrimSpace(req.Text) == "" {
		apiError(w, http.StatusBadRequest, "text is empty")
		return
	}
	m.act(w, req.SessionID, func(se *mluviitest.Session) error { return se.Text(req.Text) })
}

// POST /chat/click {"sessionId":…,"value":"yes"}: a button's imBack value,
// which mluvii delivers as guest Text.
func (m *mock) handleClick(w http.ResponseWriter, r *http.Request) {
	var req struct {
		SessionID int64  `json:"sessionId"`
		Value     string `json:"value"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	if req.Value == "" {
		apiError(w, http.StatusBadRequest, "value is empty")
		return
	}
	m.act(w, req.SessionID, func(se *mluviitest.Session) error { return se.Click(req.Value) })
}

// POST /chat/submit {"sessionId":…,"params":{"email":"a@b.cz"}}: the guest
// confirmed a hero card.
func (m *mock) handleSubmit(w http.ResponseWriter, r *http.Request) {
	var req struct {
		SessionID int64             `json:"sessionId"`
		Params    map[string]string `json:"params"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	if req.Params == nil {
		req.Params = map[string]string{}
	}
	m.act(w, req.SessionID, func(se *mluviitest.Session) error { return se.SubmitHeroCard(req.Params) })
}

// POST /chat/upload {"sessionId":…,"fileName":"photo.jpg"}: the guest
// attached a file; the bot gets a file URL on the mock (nothing is stored).
func (m *mock) handleUpload(w http.ResponseWriter, r *http.Request) {
	var req struct {
		SessionID int64  `json:"sessionId"`
		FileName  string `json:"fileName"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	if req.FileName == "" {
		apiError(w, http.StatusBadRequest, "fileName is empty")
		return
	}
	u := m.cfg.baseURL + "/Storage/Get?source=guestUpload&name=" + url.QueryEscape(req.FileName)
	m.act(w, req.SessionID, func(se *mluviitest.Session) error {
		if !se.State().GuestUpload {
			return errUploadDisabled
		}
		return se.UploadFile(u)
	})
}

var errUploadDisabled = errors.New("guest upload is disabled in this session (the bot sends EnableGuestUpload or ChatbotOpenFileUploadPrompt)")

// POST /chat/location {"sessionId":…,"latitude":50.08,"longitude":14.42}
func (m *mock) handleLocation(w http.ResponseWriter, r *http.Request) {
	var req struct {
		SessionID int64   `json:"sessionId"`
		Latitude  float64 `json:"latitude"`
		Longitude float64 `json:"longitude"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	if req.Latitude < -90 || req.Latitude > 90 || req.Longitude < -180 || req.Longitude > 180 {
		apiError(w, http.StatusBadRequest, "latitude must be within ±90 and longitude within ±180")
		return
	}
	m.act(w, req.SessionID, func(se *mluviitest.Session) error { return se.SendLocation(req.Latitude, req.Longitude) })
}

// POST /chat/end {"sessionId":…}: the guest closes the chat.
func (m *mock) handleEnd(w http.ResponseWriter, r *http.Request) {
	var req struct {
		SessionID int64 `json:"sessionId"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	m.act(w, req.SessionID, (*mluviitest.Session).End)
}

// act runs a guest action in an open session and answers with its outcome.
func (m *mock) act(w http.ResponseWriter, id int64, do func(*mluviitest.Session) error) {
	se := m.fake.Session(id)
	if se == nil {
		apiError(w, http.StatusNotFound, fmt.Sprintf("no session %d (start one with POST /chat/start; ended sessions are released after --retention or beyond --keep-ended)", id))
		return
	}
	if st := se.State(); st.Ended {
		apiError(w, http.StatusConflict, fmt.Sprintf("session %d has ended (%s)", id, st.EndedBy))
		return
	}
	err := do(se)
	switch {
	case errors.Is(err, errUploadDisabled):
		apiError(w, http.StatusConflict, err.Error())
		return
	case errors.Is(err, mluviitest.ErrOverloaded):
		overloaded(w, err.Error())
		return
	}
	m.result(w, se, err)
}

// result answers 200 with the session's state, or 502 when the delivery to
// the bot failed (the action happened all the same).
func (m *mock) result(w http.ResponseWriter, se *mluviitest.Session, err error) {
	res := actionResult{SessionID: se.ID(), State: viewState(se.State())}
	status := http.StatusOK
	if err != nil {
		status, res.Error = http.StatusBadGateway, err.Error()
	}
	writeJSON(w, status, res)
}

// readJSON decodes a JSON request body strictly, answering the error itself.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		apiError(w, http.StatusUnsupportedMediaType, "send the request as Content-Type: application/json")
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		apiError(w, http.StatusBadRequest, "bad JSON body: "+err.Error())
		return false
	}
	if dec.More() {
		apiError(w, http.StatusBadRequest, "bad JSON body: more than one value")
		return false
	}
	return true
}

// overloaded answers 503 with Retry-After: the guest's action was not taken.
func overloaded(w http.ResponseWriter, msg string) {
	w.Header().Set("Retry-After", "1")
	apiError(w, http.StatusServiceUnavailable, msg)
}

// statsView is GET /chat/stats: the fake's counts (mluviitest.Stats) and the
// page's refusals.
type statsView struct {
	OpenSessions        int `json:"openSessions"`
	EndedSessions       int `json:"endedSessions"`
	ReleasedSessions    int `json:"releasedSessions"`
	TranscriptEntries   int `json:"transcriptEntries"`
	Tokens              int `json:"tokens"`
	InFlightRequests    int `json:"inFlightRequests"`
	PendingDeliveries   int `json:"pendingDeliveries"`
	RefusedRequests     int `json:"refusedRequests"`
	RefusedDeliveries   int `json:"refusedDeliveries"`
	RefusedPageRequests int `json:"refusedPageRequests"`
	RefusedStreams      int `json:"refusedStreams"`
}

func (m *mock) stats() statsView {
	st := m.fake.Stats()
	return statsView{
		OpenSessions: st.OpenSessions, EndedSessions: st.EndedSessions, ReleasedSessions: st.ReleasedSessions,
		TranscriptEntries: st.TranscriptEntries, Tokens: st.Tokens, InFlightRequests: st.InFlightRequests,
		PendingDeliveries: st.PendingDeliveries, RefusedRequests: st.RefusedRequests, RefusedDeliveries: st.RefusedDeliveries,
		RefusedPageRequests: int(m.refusedPage.Load()), RefusedStreams: int(m.refusedEvent.Load()),
	}
}

// GET /chat/stats
func (m *mock) handleStats(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, m.stats())
}

func apiError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
