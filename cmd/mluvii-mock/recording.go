package main

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
)

// GET /chat/recording?session=ID: the session's conversation as a recording
// (JSON Lines, the format of the generated package's Recorder), as a file to
// save. mluviitest.Replay plays it against the bot in a test:
//
//	mluviitest.ReplayFile(t, srv, "testdata/conversation.jsonl")
//
// The page's "Save conversation" link points here. It holds the activity
// bodies only: no token, no callback URL, no credentials.
func (m *mock) handleRecording(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.URL.Query().Get("session"), 10, 64)
	if err != nil {
		apiError(w, http.StatusBadRequest, "session must be a session id")
		return
	}
	se := m.fake.Session(id)
	if se == nil {
		apiError(w, http.StatusNotFound, fmt.Sprintf("no session %d (ended sessions are released after --retention or beyond --keep-ended)", id))
		return
	}
	var b bytes.Buffer
	if _, err := se.Recording().WriteTo(&b); err != nil {
		apiError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="mluvii-session-%d.jsonl"`, id))
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b.Bytes())
}
