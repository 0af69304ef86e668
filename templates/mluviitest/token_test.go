package mluviitest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func postForm(t *testing.T, srv *Server, form url.Values, basic ...string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", srv.URL+"/login/connect/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if len(basic) == 2 {
		req.SetBasicAuth(basic[0], basic[1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	raw, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, m
}

func creds(srv *Server) url.Values {
	return url.Values{"grant_type": {"client_credentials"}, "client_id": {srv.ClientID},
		"client_secret": {srv.ClientSecret}, "response_type": {"token"}}
}

func TestTokenEndpoint(t *testing.T) {
	t.Parallel()
	srv := NewServer(t, WithCredentials("bot-id", "bot-secret"), WithTokenExpiry(10*time.Minute))
	code, m := postForm(t, srv, creds(srv))
	if code != 200 || m["token_type"] != "Bearer" || m["expires_in"] != float64(600) || m["access_token"] == "" {
		t.Errorf("token: %d %v", code, m)
	}
	form := creds(srv)
	form.Set("scope", "mluviiPublicApi")
	if code, m := postForm(t, srv, form); code != 200 || m["scope"] != "mluviiPublicApi" {
		t.Errorf("token with scope: %d %v", code, m)
	}
	if code, _ := postForm(t, srv, url.Values{"grant_type": {"client_credentials"}}, "bot-id", "bot-secret"); code != 200 {
		t.Errorf("Basic credentials: %d", code)
	}
	bad := creds(srv)
	bad.Set("client_secret", "wrong")
	if code, m := postForm(t, srv, bad); code != 400 || m["error"] != "invalid_client" {
		t.Errorf("wrong secret: %d %v", code, m)
	}
	grant := creds(srv)
	grant.Set("grant_type", "password")
	if code, m := postForm(t, srv, grant); code != 400 || m["error"] != "unsupported_grant_type" {
		t.Errorf("wrong grant: %d %v", code, m)
	}
	if got := srv.TokensIssued(); got != 3 {
		t.Errorf("TokensIssued = %d, want 3", got)
	}
	resp, err := http.Get(srv.URL + "/login/connect/token")
	if err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET token: %v %v", resp.Status, err)
	}
}

func TestBearerToken(t *testing.T) {
	t.Parallel()
	clock := NewFakeClock(time.Date(2024, 11, 5, 14, 0, 0, 0, time.UTC))
	srv := NewServer(t, WithClock(clock), WithTokenExpiry(time.Hour))
	bot := newTestBot(t, srv, nil)
	sess, _ := srv.StartConversation("WebChat")
	send := func() error { return bot.send(sess.ID(), "Typing", map[string]any{"show": true}) }
	if err := send(); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	if err := send(); err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "access token expired") {
		t.Errorf("expired token: %v", err)
	}
	bot.token = ""
	if err := send(); err != nil {
		t.Fatal(err)
	}
	srv.ExpireTokens()
	if err := send(); err == nil || !strings.Contains(err.Error(), "unknown access token") {
		t.Errorf("revoked token: %v", err)
	}
	for _, h := range []string{"", "Basic abc", "Bearer "} {
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/Chatbot/2005/activity", strings.NewReader(`{}`))
		if h != "" {
			req.Header.Set("Authorization", h)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("Authorization %q: %v %v", h, resp.Status, err)
		}
	}
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/Chatbot/9/activity", strings.NewReader(`{}`))
	req.Header.Set("Authorization", "bearer "+srv.Token())
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 404 {
		t.Errorf("wrong chatbot id: %v %v", resp.Status, err)
	}
}
