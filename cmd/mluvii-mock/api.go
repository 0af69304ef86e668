package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
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
	// MediaObjects are the world's stored files with the URLs the mock
	// serves them at (what the guest opens when the bot shares one by name).
	MediaObjects []mediaView `json:"mediaObjects"`
	// MaxFileBytes bounds a file the guest uploads.
	MaxFileBytes int64 `json:"maxFileBytes"`
}

type mediaView struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

type channelView struct {
	Name string `json:"name"`
	// Restrictions lists what the bot sends that the channel does not plainly
	// support: "no" (mluvii answers 400) or "unverified" (a warning).
	Restrictions []restriction `json:"restrictions"`
}

// restriction is an activity, or a field of an activity or named type
// (Message.attachments, Card.buttons), the channel does not plainly support.
type restriction struct {
	Activity string `json:"activity,omitempty"`
	Type     string `json:"type,omitempty"`
	Field    string `json:"field,omitempty"`
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
		DefaultChannel: string(m.cfg.channel), HeroCards: []heroCardView{}, MediaObjects: []mediaView{},
		MaxFileBytes: mluviitest.DefaultMaxFileBytes,
	}
	for _, o := range m.cfg.world.MediaObjects {
		if u, ok := m.fake.MediaObjectURL(o.Name); ok {
			v.MediaObjects = append(v.MediaObjects, mediaView{Name: o.Name, URL: u})
		}
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
// plainly support, from the spec's channel matrix, then the fields with
// channel cells of their own that narrow a supported activity on c: of the
// activities the bot sends, and of the named types.
func restrictions(c mluvii.Channel) []restriction {
	out := []restriction{}
	var fields []restriction
	fieldCells := func(owner restriction, fs []mluvii.FieldInfo) {
		for _, f := range fs {
			for _, cell := range f.Channels {
				if cell.Channel == c && cell.Support != mluvii.SupportYes {
					r := owner
					r.Field, r.Support, r.Source = f.Name, string(cell.Support), cell.Source
					fields = append(fields, r)
				}
			}
		}
	}
	for _, a := range mluvii.Activities() {
		if !a.Sent {
			continue
		}
		sup := a.SupportOn(c)
		if sup == mluvii.SupportYes {
			fieldCells(restriction{Activity: a.Name}, a.Fields)
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
	for _, t := range mluvii.Types() {
		fieldCells(restriction{Type: t.Name}, t.Fields)
	}
	return append(out, fields...)
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
	Prompts       []promptView      `json:"prompts"`
	Uploads       []uploadView      `json:"uploads"`
	Routing       *routingView      `json:"routing,omitempty"`
}

// promptView is a request of the bot waiting for the guest.
type promptView struct {
	ID      int            `json:"id"`
	Kind    string         `json:"kind"`
	Request string         `json:"request"`
	Fields  map[string]any `json:"fields"`
}

type uploadView struct {
	URL         string `json:"url"`
	Name        string `json:"name"`
	ContentType string `json:"contentType"`
	Size        int    `json:"size"`
}

// routingView is where HandOff or Forward took the session.
type routingView struct {
	By           string `json:"by"`
	Outcome      string `json:"outcome"`
	GroupID      int32  `json:"groupId,omitempty"`
	GroupName    string `json:"groupName,omitempty"`
	OperatorID   int32  `json:"operatorId,omitempty"`
	OperatorName string `json:"operatorName,omitempty"`
	Text         string `json:"text"`
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
	v.Prompts, v.Uploads = []promptView{}, []uploadView{}
	for _, p := range st.Prompts {
		v.Prompts = append(v.Prompts, promptView{ID: p.ID, Kind: string(p.Kind), Request: p.Request, Fields: p.Fields})
	}
	for _, f := range st.Uploads {
		v.Uploads = append(v.Uploads, uploadView{URL: f.URL, Name: f.Name, ContentType: f.ContentType, Size: f.Size})
	}
	if r := st.Routing; r != nil {
		v.Routing = &routingView{By: r.By, Outcome: string(r.Outcome), GroupID: r.GroupID, GroupName: r.GroupName,
			OperatorID: r.OperatorID, OperatorName: r.OperatorName, Text: r.String()}
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

// POST /chat/upload {"sessionId":…,"fileName":"photo.jpg","contentType":"image/jpeg","data":"<base64>","prompt":false}:
// the guest attached a file with the paper clip (the bot must have enabled
// uploads), or with "prompt":true uploaded it in the bot's upload dialog.
// The mock stores the bytes and the bot gets the URL it serves them at.
func (m *mock) handleUpload(w http.ResponseWriter, r *http.Request) {
	select {
	case m.uploadSlots <- struct{}{}:
		defer func() { <-m.uploadSlots }()
	default:
		apiError(w, http.StatusServiceUnavailable, fmt.Sprintf("%d uploads are in progress; try again", maxUploads))
		return
	}
	var req struct {
		SessionID   int64  `json:"sessionId"`
		FileName    string `json:"fileName"`
		ContentType string `json:"contentType"`
		Data        []byte `json:"data"`
		Prompt      bool   `json:"prompt"`
	}
	if !readJSONLimit(w, r, &req, uploadBodyLimit) {
		return
	}
	if req.FileName == "" {
		apiError(w, http.StatusBadRequest, "fileName is empty")
		return
	}
	f := mluviitest.File{Name: req.FileName, ContentType: req.ContentType, Data: req.Data}
	m.act(w, req.SessionID, func(se *mluviitest.Session) error {
		if req.Prompt {
			_, err := se.UploadToPrompt(f)
			return err
		}
		_, err := se.Upload(f)
		return err
	})
}

// uploadBodyLimit bounds /chat/upload's body: the largest file the fake
// stores, in base64, and the rest of the object.
const uploadBodyLimit = mluviitest.DefaultMaxFileBytes/3*4 + 64<<10

// POST /chat/cancel {"sessionId":…,"kind":"upload"}: the guest closed the
// bot's upload dialog ("upload") or declined its location request
// ("location").
func (m *mock) handleCancel(w http.ResponseWriter, r *http.Request) {
	var req struct {
		SessionID int64  `json:"sessionId"`
		Kind      string `json:"kind"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	kind := mluviitest.PromptKind(req.Kind)
	if kind != mluviitest.PromptUpload && kind != mluviitest.PromptLocation {
		apiError(w, http.StatusBadRequest, fmt.Sprintf("kind %q: want %q or %q", req.Kind, mluviitest.PromptUpload, mluviitest.PromptLocation))
		return
	}
	m.act(w, req.SessionID, func(se *mluviitest.Session) error { return se.CancelPrompt(kind) })
}

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
	case errors.Is(err, mluviitest.ErrUploadDisabled), errors.Is(err, mluviitest.ErrNoPrompt):
		apiError(w, http.StatusConflict, err.Error())
		return
	case errors.Is(err, mluviitest.ErrFileTooLarge):
		apiError(w, http.StatusRequestEntityTooLarge, err.Error())
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

// readJSON decodes a JSON request body of at most 1 MiB strictly,
// answering the error itself.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	return readJSONLimit(w, r, v, 1<<20)
}

// readJSONLimit is readJSON for a body of at most limit bytes.
func readJSONLimit(w http.ResponseWriter, r *http.Request, v any, limit int64) bool {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		apiError(w, http.StatusUnsupportedMediaType, "send the request as Content-Type: application/json")
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			apiError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", tooBig.Limit))
			return false
		}
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
