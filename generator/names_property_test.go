package generator

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/mluviigen/mluviigen/spec"
)

// TestAcceptedSpecsCompile is the property behind Build's name claims: any
// spec that spec.Load and Build accept generates code that compiles and
// vets. It generates random specs whose names are drawn to be adversarial
// (Go keywords and predeclared identifiers, runtime and emitter names, names
// differing only in case or separators, initialisms, digits, "_"), keeps
// those accepted, generates each into a package of one temporary module and
// runs "go vet ./..." once over all of them.
func TestAcceptedSpecsCompile(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not on PATH")
	}
	// Fixed seeds, so that go test gives the same answer every run (one of
	// them found the session field and an envelope field sharing a Go name);
	// MLUVIIGEN_PROPERTY_SEEDS=N adds N random ones to explore further.
	var seeds []uint64
	for i := range 40 {
		seeds = append(seeds, uint64(i)*7919+1)
	}
	seeds = append(seeds, 28547779)
	if n, err := strconv.Atoi(os.Getenv("MLUVIIGEN_PROPERTY_SEEDS")); err == nil {
		for range n {
			seeds = append(seeds, rand.Uint64()%1_000_000_000)
		}
	}
	root := t.TempDir()
	const module = "example.com/prop"
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module "+module+"\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	accepted := 0
	specs := map[string][]byte{}
	for _, seed := range seeds {
		src := randomSpec(seed)
		s, err := spec.Load("spec.yaml", src)
		if err != nil {
			continue
		}
		api, err := Build(s)
		if err != nil {
			continue
		}
		dir := fmt.Sprintf("s%d", seed)
		files, err := Generate(api, Options{ImportPath: module + "/" + dir})
		if err != nil {
			t.Errorf("seed %d: Build accepted the spec, Generate failed: %v\n%s", seed, err, src)
			continue
		}
		if err := files.WriteDir(filepath.Join(root, dir), false); err != nil {
			t.Fatal(err)
		}
		specs[dir] = src
		accepted++
	}
	t.Logf("%d of %d random specs accepted", accepted, len(seeds))
	if accepted < len(seeds)/4 {
		t.Fatalf("only %d of %d random specs accepted: the generator of specs is too adversarial to test much", accepted, len(seeds))
	}
	cmd := exec.Command(goCmd, "vet", "./...")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
	out, err := cmd.CombinedOutput()
	if err != nil {
		failed := map[string]bool{}
		for _, line := range strings.Split(string(out), "\n") {
			for dir := range specs {
				if strings.Contains(line, dir+"/") || strings.Contains(line, "/"+dir+"\n") || strings.HasSuffix(line, "/"+dir) {
					failed[dir] = true
				}
			}
		}
		var b strings.Builder
		for dir := range failed {
			fmt.Fprintf(&b, "\n--- %s/spec.yaml\n%s", dir, specs[dir])
		}
		t.Fatalf("go vet failed on code from accepted specs: %v\n%s%s", err, out, b.String())
	}
}

// Name pools. Identifiers match spec's identRE, wire keys its wireRE.
var (
	advIdents = []string{
		"string", "error", "len", "any", "nil", "true", "type", "func", "map", "range", "go",
		"Slice", "Map", "Waiters", "Dispatcher", "MemoryQueue", "Client", "Session", "Next", "Error",
		"Unknown", "Activity", "Decode", "Timestamp", "Send", "SendText", "Text", "Ping", "Known",
		"Raw", "RawJSON", "Expect", "Channel", "Option", "Validate", "Stats", "ServeHTTP",
		"id", "ID", "Id", "url", "URL", "a_b", "aB", "A_B", "x1", "X1", "v2", "Numbers", "Ptr",
		"read", "readJSON", "WebChat", "WithText", "Attachment", "CardAction", "RichCard", "Target",
		"Activities", "TypeInfo", "Role", "Support", "Option2", "FooOption", "FooTarget", "Foo", "FooAndWait",
	}
	advKeys = []string{
		"rawJson", "validate", "type", "raw", "id", "ID_", "_", "__x", "x-y", "session", "sessionId",
		"session_id", "activityName", "marshalJSON", "unmarshalJSON", "readJSON", "setRaw", "writeJSON",
		"v", "ctx", "opts", "target", "target2", "c", "a", "o", "string", "len", "error", "nil", "true",
		"withText", "url", "urls", "ids", "_1", "a1b2", "json", "text", "Text", "func", "chatbotId",
		"source", "name", "value", "x", "i", "w", "r", "k", "b", "s", "err", "andWait", "apply",
	}
	advPackages = []string{
		"p", "t", "a", "c", "sc", "se", "body", "name", "source", "fs", "info", "schema", "spec", "mluvii", "api", "json", "http", "context",
		"testing", "fmt", "time", "strings", "errors", "Session", "Activity", "string", "len", "go", "main",
	}
	builtins = []string{"string", "bool", "int32", "int64", "float64", "timestamp", "uuid", "json"}
)

// randomSpec returns a spec in YAML, mostly valid, from the seed.
func randomSpec(seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	word := func(upper bool) string {
		const letters = "abcdefghijklmnopqrstuvwxyz"
		n := 2 + r.IntN(6)
		b := []byte{letters[r.IntN(26)]}
		for range n {
			if r.IntN(8) == 0 {
				b = append(b, "0123456789"[r.IntN(10)])
			} else {
				b = append(b, letters[r.IntN(26)])
			}
		}
		if upper {
			b[0] -= 'a' - 'A'
		}
		return string(b)
	}
	ident := func() string {
		if r.IntN(6) == 0 {
			return pick(advIdents)
		}
		return word(r.IntN(2) == 0)
	}
	key := func() string {
		if r.IntN(8) == 0 {
			return pick(advKeys)
		}
		return word(false)
	}
	pkg := "p" + word(false)
	if r.IntN(4) == 0 {
		pkg = pick(advPackages)
	}
	doc := map[string]any{
		"name":          pkg,
		"discriminator": map[string]any{"key": pick([]string{"activity", "type", "Activity"})},
		"session":       map[string]any{"field": pick([]string{"sessionId", "session", "id", "sid", "rawJson", "Session_ID"})},
	}
	var channels []string
	var chanList []any
	for range r.IntN(3) {
		c := ident()
		channels = append(channels, c)
		chanList = append(chanList, map[string]any{"name": c, "sources": []string{word(false)}})
	}
	if len(chanList) > 0 {
		doc["channels"] = chanList
	}
	var typeNames, structNames []string
	var types []any
	fields := func(n int, allowStructs []string) ([]any, []string, []string) {
		var out []any
		var names, optional []string
		for range 1 + r.IntN(n) {
			k := key()
			typ := pick(builtins)
			if len(typeNames) > 0 && r.IntN(3) == 0 {
				typ = pick(typeNames)
			}
			switch r.IntN(6) {
			case 0:
				typ = "[]" + typ
			case 1:
				typ = "map[string]" + typ
			}
			f := map[string]any{"name": k, "type": typ}
			opt := r.IntN(2) == 0
			if opt {
				f["optional"] = true
				optional = append(optional, k)
			} else if r.IntN(4) == 0 {
				f["nullable"] = true
			}
			if r.IntN(10) == 0 {
				f["goName"] = word(true)
				if r.IntN(3) == 0 {
					f["goName"] = ident()
				}
			}
			out = append(out, f)
			names = append(names, k)
		}
		return out, names, optional
	}
	for range r.IntN(5) {
		name := ident()
		switch r.IntN(3) {
		case 0:
			fs, _, _ := fields(4, structNames)
			types = append(types, map[string]any{"name": name, "kind": "struct", "fields": fs})
			structNames = append(structNames, name)
		case 1:
			var vals []any
			for range 1 + r.IntN(3) {
				vals = append(vals, map[string]any{"name": key()})
			}
			types = append(types, map[string]any{"name": name, "kind": "enum", "values": vals})
		default:
			var vals []any
			for i := range 1 + r.IntN(3) {
				vals = append(vals, map[string]any{"name": key(), "number": 1 << i})
			}
			types = append(types, map[string]any{"name": name, "kind": "flags", "flag": ident(), "values": vals})
		}
		typeNames = append(typeNames, name)
	}
	if len(types) > 0 {
		doc["types"] = types
	}
	if r.IntN(3) == 0 {
		env, _, _ := fields(2, nil)
		doc["envelope"] = env
	}
	var acts []any
	var responses []string
	n := 1 + r.IntN(6)
	for i := range n {
		a := map[string]any{"name": ident()}
		switch r.IntN(5) {
		case 0, 1:
			a["direction"], a["role"] = "fromMluvii", pick([]string{"event", "message"})
		case 2:
			a["direction"], a["role"] = "fromMluvii", "response"
			responses = append(responses, a["name"].(string))
		case 3:
			a["direction"], a["role"], a["retry"] = "toMluvii", pick([]string{"request", "message"}), pick([]string{"safe", "unsafe"})
			if a["role"] == "request" && len(responses) > 0 && r.IntN(2) == 0 {
				a["response"] = pick(responses)
			}
		default:
			a["direction"], a["role"], a["retry"] = "both", "message", "safe"
		}
		if r.IntN(6) == 0 {
			a["session"] = false
		}
		if r.IntN(8) == 0 {
			a["goName"] = word(true)
			if r.IntN(3) == 0 {
				a["goName"] = ident()
			}
		}
		if r.IntN(4) > 0 {
			fs, _, optional := fields(4, structNames)
			a["fields"] = fs
			if len(optional) >= 2 && r.IntN(2) == 0 && a["direction"] != "fromMluvii" {
				a["oneOf"] = [][]string{optional[:2]}
			}
		}
		if a["direction"] != "fromMluvii" && len(channels) > 0 {
			cells := map[string]string{}
			for _, c := range channels {
				cells[c] = pick([]string{"yes", "no", "unverified"})
			}
			a["channels"] = cells
			a["channelSource"] = "test"
		}
		_ = i
		acts = append(acts, a)
	}
	// A response no request names is a spec error; unnamed, it is an event.
	named := map[string]bool{}
	for _, a := range acts {
		if resp, ok := a.(map[string]any)["response"].(string); ok {
			named[strings.ToLower(resp)] = true
		}
	}
	for _, a := range acts {
		if a := a.(map[string]any); a["role"] == "response" && !named[strings.ToLower(a["name"].(string))] {
			a["role"] = "event"
		}
	}
	doc["activities"] = acts
	out, err := yaml.Marshal(doc)
	if err != nil {
		panic(err)
	}
	return out
}
