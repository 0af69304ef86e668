package mluviitest

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// handleToken is mluvii's identity server: OAuth2 client credentials, form
// encoded, credentials in the form or as Basic auth.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	var f Fault
	var faulty bool
	if s.tokenFault != nil {
		f, faulty = s.tokenFault.take(func() { s.tokenFault = nil })
	}
	s.mu.Unlock()
	if faulty && !s.tokenFaultDone(w, r, f) {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "body is not a form: "+err.Error())
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be client_credentials, got "+strconv.Quote(gt))
		return
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if !equal(id, s.cfg.clientID) || !equal(secret, s.cfg.clientSecret) {
		oauthError(w, http.StatusBadRequest, "invalid_client", "")
		return
	}
	token := "mluviitest." + randomHex(16)
	s.mu.Lock()
	s.addToken(token)
	s.mu.Unlock()
	body := map[string]any{
		"access_token": token,
		"expires_in":   int64(s.cfg.tokenExpiry / time.Second),
		"token_type":   "Bearer",
	}
	if scope := r.PostForm.Get("scope"); scope != "" {
		body["scope"] = scope
	}
	writeJSON(w, http.StatusOK, body)
}

// tokenFaultDone applies an injected fault; false means the request was answered.
func (s *Server) tokenFaultDone(w http.ResponseWriter, r *http.Request, f Fault) bool {
	if !s.sleep(r.Context(), f.Delay) {
		return false
	}
	if f.Drop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return false
			}
		}
		// Not hijackable (HTTP/2): the closest to a dropped connection is a 503.
		oauthError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "injected fault")
		return false
	}
	if f.Status != 0 {
		oauthError(w, f.Status, "temporarily_unavailable", "injected fault")
		return false
	}
	return true
}

// oauthError answers like an OAuth2 server (RFC 6749 §5.2).
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	body := map[string]string{"error": code}
	if desc != "" {
		body["error_description"] = desc
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		httpError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// TokensIssued reports how many access tokens the token endpoint has issued.
func (s *Server) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokensIssued
}

// ExpireTokens invalidates every issued token, so the bot's next call gets a
// 401 and must fetch a new one.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
	clear(s.tokenQ)
	s.tokenQ = s.tokenQ[:0]
}

// Token issues an access token directly, for bots under test that take a
// token rather than credentials.
func (s *Server) Token() string {
	token := "mluviitest." + randomHex(16)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addToken(token)
	return token
}

// issued is a token in the order of issue, which is the order of expiry.
type issued struct {
	token  string
	expiry time.Time
}

// addToken remembers a new token and forgets the expired ones and those
// beyond WithMaxTokens, oldest first. Called with s.mu held.
func (s *Server) addToken(token string) {
	exp := s.clock.Now().Add(s.cfg.tokenExpiry)
	s.tokens[token] = exp
	s.tokenQ = append(s.tokenQ, issued{token, exp})
	s.tokensIssued++
	s.pruneTokens()
}

// pruneTokens forgets expired tokens, and the oldest beyond WithMaxTokens.
// Called with s.mu held.
func (s *Server) pruneTokens() {
	now := s.clock.Now()
	n := 0
	for _, t := range s.tokenQ {
		if now.Before(t.expiry) && (s.cfg.maxTokens <= 0 || len(s.tokens) <= s.cfg.maxTokens) {
			break
		}
		delete(s.tokens, t.token)
		n++
	}
	if n > 0 {
		clear(s.tokenQ[:n])
		s.tokenQ = s.tokenQ[n:]
	}
}
