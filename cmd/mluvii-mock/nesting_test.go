package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestDeepNestingDoesNotKillTheMock: a bot activity nested millions of
// levels deep is refused with a 400, and the mock goes on serving. Such a
// body used to overflow the decoder's stack, a fatal error that ended the
// process.
func TestDeepNestingDoesNotKillTheMock(t *testing.T) {
	m := startMock(t, config{})
	resp, err := http.PostForm(m.cfg.baseURL+"/login/connect/token", map[string][]string{
		"grant_type": {"client_credentials"}, "client_id": {m.cfg.clientID}, "client_secret": {m.cfg.clientSecret}})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %v", err)
	}
	// Unclosed, so that the deepest body fits under the 8 MiB limit: the
	// reader goes down every level before it finds the end.
	const depth = 7_000_000
	for _, body := range []string{
		`{"activity":"Text","sessionId":1,"text":"x","x":` + strings.Repeat("[", depth),
		`{"x":` + strings.Repeat(`{"a":`, depth/5),
	} {
		req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/api/v1/Chatbot/%d/activity", m.cfg.baseURL, m.cfg.chatbotID), strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("the mock did not answer: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("deep nesting: %d, want 400", resp.StatusCode)
		}
	}
	resp, err = http.Get(m.cfg.baseURL + "/")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the mock stopped serving: %v", err)
	}
	resp.Body.Close()
}
