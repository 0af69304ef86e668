package generator

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mluviigen/mluviigen/generator/ir"
	"github.com/mluviigen/mluviigen/spec"
)

// TestChannelRestrictionsCompile builds a module with the default package and
// a --channel WhatsApp one, and proves that an unsupported method does not
// compile, on a view and on a restricted Client, with the method named in the
// compiler's error; supported ones compile.
func TestChannelRestrictionsCompile(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go build")
	}
	dir := t.TempDir()
	writeModule(t, dir, map[string]string{
		"go.mod": "module example.com/bot\n\ngo 1.26\n",
		"ok/main.go": `package main

import (
	"context"

	"example.com/bot/mluvii"
	"example.com/bot/wa"
)

func main() {
	ctx := context.Background()
	c := mluvii.NewClient("http://localhost", 1)
	_ = c.WhatsApp().SendText(ctx, 1, "hi")
	_ = c.WebChat().Typing(ctx, 1, true) // WebChat: yes
	_ = c.Typing(ctx, 1, true)           // the Client has everything
	_ = wa.NewClient("http://localhost", 1).SendText(ctx, 1, "hi")
	_ = wa.ClientChannels
}
`,
		"view/main.go": `package main

import (
	"context"

	"example.com/bot/mluvii"
)

func main() {
	_ = mluvii.NewClient("http://localhost", 1).WhatsApp().Typing(context.Background(), 1, true)
}
`,
		"restricted/main.go": `package main

import (
	"context"

	"example.com/bot/wa"
)

func main() {
	_ = wa.NewClient("http://localhost", 1).DisableGuestInput(context.Background(), 1)
}
`,
	})
	for pkg, opts := range map[string]Options{
		"mluvii": {ImportPath: "example.com/bot/mluvii"},
		"wa":     {ImportPath: "example.com/bot/wa", Package: "wa", Channels: []string{"whatsapp"}},
	} {
		files, err := FromSpec(spec.DefaultPath, spec.DefaultYAML, opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := files.WriteDir(filepath.Join(dir, pkg), false); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := goCommand(dir, "build", "-o", os.DevNull, "./ok").CombinedOutput(); err != nil {
		t.Fatalf("supported calls do not compile: %v\n%s", err, out)
	}
	for pkg, want := range map[string]string{
		"view":       "WhatsApp().Typing undefined (type mluvii.WhatsAppClient has no field or method Typing)",
		"restricted": "DisableGuestInput undefined (type *wa.Client has no field or method DisableGuestInput)",
	} {
		out, err := goCommand(dir, "build", "-o", os.DevNull, "./"+pkg).CombinedOutput()
		if err == nil {
			t.Errorf("%s: an unsupported method compiles", pkg)
			continue
		}
		if !strings.Contains(string(out), want) {
			t.Errorf("%s: the compiler's error does not say %q:\n%s", pkg, want, out)
		}
	}
}

func writeModule(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// goCommand runs the go command in dir, outside any workspace.
func goCommand(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	return cmd
}

// TestChannelPackageDoc: a package generated with --channel says in its
// package documentation (what go doc shows first) which Client methods it
// left out, so that "c.Typing undefined" has an answer a go doc away.
func TestChannelPackageDoc(t *testing.T) {
	files, err := FromSpec(spec.DefaultPath, spec.DefaultYAML, Options{ImportPath: "example.com/bot/wa", Package: "wa", Channels: []string{"whatsapp"}})
	if err != nil {
		t.Fatal(err)
	}
	src, _ := files.Lookup("activities_gen.go")
	pkgDoc, _, _ := strings.Cut(string(src), "\npackage wa\n")
	pkgDoc = strings.Join(strings.Fields(strings.ReplaceAll(pkgDoc, "//", "")), " ")
	want := "This package was generated with --channel WhatsApp: its Client has methods only for the activities supported on WhatsApp. " +
		"Left out of it: RichCardList, Typing, DisableGuestInput, EnableGuestInput; send those with Client.Send (see ClientChannels)."
	if !strings.Contains(pkgDoc, want) {
		t.Errorf("the package doc lacks %q:\n%s", want, pkgDoc)
	}
	files, err = FromSpec(spec.DefaultPath, spec.DefaultYAML, Options{ImportPath: "example.com/bot/mluvii"})
	if err != nil {
		t.Fatal(err)
	}
	if src, _ := files.Lookup("activities_gen.go"); strings.Contains(string(src), "generated with --channel") {
		t.Error("the package without --channel says it was generated with --channel")
	}
}

// TestChannelSelection checks which methods the Client and the views get from
// the matrix, with and without --strict-channels.
func TestChannelSelection(t *testing.T) {
	api, err := LoadAPI("t.yaml", []byte(`name: t
discriminator: {key: activity}
session: {field: sessionId}
channels: [{name: WebChat}, {name: WhatsApp}]
activities:
  - {name: A, direction: toMluvii, role: request, retry: safe, channels: {WebChat: yes, WhatsApp: yes}, channelSource: s}
  - {name: B, direction: toMluvii, role: request, retry: safe, channels: {WebChat: yes, WhatsApp: unverified}, channelSource: s}
  - {name: C, direction: toMluvii, role: request, retry: safe, channels: {WebChat: no, WhatsApp: yes}, channelSource: s}
  - {name: E, direction: fromMluvii, role: event}
`))
	if err != nil {
		t.Fatal(err)
	}
	onClient := func(channels []string, strict bool) string {
		chans, err := resolveChannels(api, channels)
		if err != nil {
			t.Fatal(err)
		}
		g := &gen{api: api, opts: Options{StrictChannels: strict}, channels: chans}
		var names []string
		for _, a := range g.clientActivities() {
			names = append(names, a.Wire)
		}
		return strings.Join(names, " ")
	}
	for _, tc := range []struct {
		channels []string
		strict   bool
		want     string
	}{
		{nil, false, "A B C"},
		{nil, true, "A B C"}, // strictness narrows views and --channel, never the full Client
		{[]string{"whatsapp"}, false, "A B C"},
		{[]string{"WhatsApp"}, true, "A C"},
		{[]string{"WebChat", "WhatsApp"}, false, "A B"},
		{[]string{"WebChat", "WhatsApp"}, true, "A"},
	} {
		if got := onClient(tc.channels, tc.strict); got != tc.want {
			t.Errorf("--channel %v strict=%v: Client has %q, want %q", tc.channels, tc.strict, got, tc.want)
		}
	}
	whatsApp := api.Channels[1]
	for _, tc := range []struct {
		act    int
		strict bool
		want   bool
	}{{0, false, true}, {1, false, true}, {1, true, false}, {3, false, false}} {
		if got := api.Activities[tc.act].Supports(whatsApp, tc.strict); got != tc.want {
			t.Errorf("%s.Supports(WhatsApp, strict=%v) = %v", api.Activities[tc.act].Wire, tc.strict, got)
		}
	}
	_, err = resolveChannels(api, []string{"whatsap"})
	if want := `unknown channel "whatsap" (did you mean "WhatsApp"?); the spec's channels are WebChat, WhatsApp`; err == nil || err.Error() != want {
		t.Errorf("unknown channel: %v, want %s", err, want)
	}
	_, err = resolveChannels(&ir.API{}, []string{"WhatsApp"})
	if err == nil || !strings.Contains(err.Error(), "declares no channels") {
		t.Errorf("spec without channels: %v", err)
	}
}
