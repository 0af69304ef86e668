package main

// Reproductions of the attack review (branch attack). Each test asserts the
// behaviour wanted; a failing one is a finding.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/mluviigen/mluviigen/generated/mluvii"
	"github.com/mluviigen/mluviigen/generated/mluvii/mluviitest"
)

// TestAttackUploadMemoryPerRequest: one /chat/upload at the body limit, for a
// session that does not exist, allocates several times the body before the
// 404; with --max-inflight 256 page requests at once that is gigabytes.
func TestAttackUploadMemoryPerRequest(t *testing.T) {
	m := startMock(t, config{localOnly: true})
	data := make([]byte, mluviitest.DefaultMaxFileBytes)
	body, _ := json.Marshal(map[string]any{"sessionId": 987654321, "fileName": "x", "data": data})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	resp, err := http.Post(m.cfg.baseURL+"/chat/upload", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc - uint64(len(body)) // less the client's copy
	perReq := float64(alloc) / float64(len(body))
	worst := float64(alloc) * float64(min(defaultLimits().maxInFlight, maxUploads)) / (1 << 30)
	t.Logf("status %d; body %d bytes; server allocated ~%d bytes (%.1f× the body); × %d uploads at once = %.1f GiB",
		resp.StatusCode, len(body), alloc, perReq, min(defaultLimits().maxInFlight, maxUploads), worst)
	if worst > 2 {
		t.Errorf("uploads at once may take %.1f GiB: bound concurrent uploads (a semaphore of a few) or stream-decode the body", worst)
	}
}

// TestAttackStoredFileHeaders: files the guest uploads with hostile names and
// content types are served on the page's origin without running anything and
// without header injection.
func TestAttackStoredFileHeaders(t *testing.T) {
	m := startMock(t, config{})
	startBot(t, m, promptBot)
	id := start(t, m, mluvii.ChannelWebChat)
	ev := openEvents(t, m, fmt.Sprintf("?session=%d", id), nil)
	post(t, m, "/chat/text", map[string]any{"sessionId": id, "text": "clip"})
	ev.state(func(s stateView) bool { return s.GuestUpload })
	cases := []struct{ name, ctype string }{
		{"a\r\nSet-Cookie: x=y.html", "text/html"},
		{`x"; filename="evil.html`, "text/html; charset=utf-8"},
		{"../../../etc/passwd", "image/svg+xml"},
		{"ű\u202egnp.html", "image/png"},
		{"p.png", "image/png; charset=\"x\r\nSet-Cookie: a=b\""},
		{"p.png", "IMAGE/PNG"},
		{"p.xml", "application/xhtml+xml"},
		{"p", "multipart/x-mixed-replace; boundary=x"},
	}
	for i, c := range cases {
		code, res := post(t, m, "/chat/upload", map[string]any{"sessionId": id, "fileName": c.name, "contentType": c.ctype,
			"data": []byte("<html><script>alert(1)</script>")})
		if code != 200 {
			t.Errorf("%d: upload %q: %d %v", i, c.name, code, res)
			continue
		}
		st := ev.state(func(s stateView) bool { return len(s.Uploads) == i+1 })
		u := st.Uploads[i].URL
		code, h, _ := get(t, u)
		cd, ct, csp := h.Get("Content-Disposition"), h.Get("Content-Type"), h.Get("Content-Security-Policy")
		t.Logf("%q %q -> %d CT=%q CD=%q", c.name, c.ctype, code, ct, cd)
		if h.Get("Set-Cookie") != "" || strings.ContainsAny(cd, "\r\n") || strings.Contains(cd, "/") ||
			!strings.Contains(csp, "sandbox") || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%d: unsafe headers for %q %q: %v", i, c.name, c.ctype, h)
		}
		if cd == "" || (!strings.HasPrefix(cd, "attachment") && !strings.HasPrefix(ct, "image/")) {
			t.Errorf("%d: %q served inline as %q (CD %q)", i, c.name, ct, cd)
		}
	}
}

// TestAttackNewEndpointsRefuseForeignHost: the endpoints everyEndpoint lacks
// (/chat/cancel, a stored file by its real key) refuse a rebound Host too.
func TestAttackNewEndpointsRefuseForeignHost(t *testing.T) {
	m := startMock(t, config{localOnly: true, world: defaultWorld()})
	var fileURL string
	for _, o := range m.cfg.world.MediaObjects {
		if u, ok := m.fake.MediaObjectURL(o.Name); ok {
			fileURL = u
		}
	}
	calls := []endpointCall{
		{method: "POST", path: "/chat/cancel", ctype: "application/json", body: `{"sessionId":1,"kind":"upload"}`},
	}
	if fileURL != "" {
		calls = append(calls, endpointCall{method: "GET", path: strings.TrimPrefix(fileURL, m.cfg.baseURL)})
	}
	for _, c := range calls {
		if code, body := c.do(t, m, "evil.example", ""); code != http.StatusForbidden {
			t.Errorf("%s %s with Host evil.example: %d %s", c.method, c.path, code, body)
		}
	}
}

// TestAttackIdleKeepAliveHeldForever: the server run() built had no
// IdleTimeout (nor ReadTimeout), so a client that made one request and then
// kept the connection idle held it, and its goroutine, for ever (fresh
// connections are cut at ReadHeaderTimeout; idle ones were not). Shown live
// against run() in commit 40c5bf5; since the fix, checked on newHTTPServer.
func TestAttackIdleKeepAliveHeldForever(t *testing.T) {
	hs := newHTTPServer(http.NotFoundHandler())
	if hs.IdleTimeout <= 0 && hs.ReadTimeout <= 0 {
		t.Errorf("no IdleTimeout: an idle keep-alive connection is held for ever")
	}
	if hs.ReadHeaderTimeout <= 0 {
		t.Errorf("no ReadHeaderTimeout")
	}
}

// TestAttackCertFileInSharedTmp: --tls-cert defaults to a fixed name in
// os.TempDir() (/tmp on Linux, shared by every user) and is written with
// os.WriteFile, which follows a symlink planted there and keeps the mode of
// a file that is already there. The file is the bot's trust anchor
// (SSL_CERT_FILE replaces the system roots): whoever can write it can make the
// bot trust any certificate.
func TestAttackCertFileInSharedTmp(t *testing.T) {
	dir := t.TempDir()
	ln := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}

	// A file planted world-writable keeps its mode.
	planted := filepath.Join(dir, "planted.pem")
	if err := os.WriteFile(planted, []byte("attacker's CA"), 0o666); err != nil {
		t.Fatal(err)
	}
	os.Chmod(planted, 0o666)
	if _, err := selfSigned(ln, nil, planted); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(planted); st.Mode().Perm()&0o022 != 0 {
		t.Errorf("the certificate was written into a planted file that stays %v (world-writable trust anchor)", st.Mode().Perm())
	}

	// A symlink planted at the name is followed: another file is overwritten.
	victim := filepath.Join(dir, "victim")
	os.WriteFile(victim, []byte("precious"), 0o600)
	link := filepath.Join(dir, "link.pem")
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	if _, err := selfSigned(ln, nil, link); err != nil {
		t.Logf("symlink refused: %v", err)
	}
	if b, _ := os.ReadFile(victim); !bytes.Equal(b, []byte("precious")) {
		t.Errorf("the symlink at --tls-cert was followed: its target was overwritten with the certificate")
	}
	if d := defaultCertFile(); strings.HasPrefix(d, os.TempDir()) {
		t.Logf("default --tls-cert is %s (in the shared temp dir)", d)
	}
}

// TestUploadsAtOnceBounded: with maxUploads uploads in progress, another is
// answered 503 at once instead of taking its share of memory.
func TestUploadsAtOnceBounded(t *testing.T) {
	m := startMock(t, config{localOnly: true})
	for range maxUploads {
		m.uploadSlots <- struct{}{}
	}
	body, _ := json.Marshal(map[string]any{"sessionId": 1, "fileName": "x", "data": []byte("hi")})
	resp, err := http.Post(m.cfg.baseURL+"/chat/upload", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("an upload beyond %d at once: %d, want 503", maxUploads, resp.StatusCode)
	}
	for range maxUploads {
		<-m.uploadSlots
	}
}
