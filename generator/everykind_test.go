package generator

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/mluviigen/mluviigen/spec/kind"
)

// sampleJSON is a wire value of each builtin kind for TestEveryKindCompiles.
var sampleJSON = map[string]string{
	"string": `"hi"`, "bool": `true`, "int32": `7`, "int64": `9007199254740993`,
	"float64": `1.5`, "timestamp": `"2024-11-05T14:22:33.512+01:00"`,
	"uuid": `"3b9f6c1e-2a47-4d8e-9f10-6a5b4c3d2e1f"`, "json": `{"a":[1,null]}`,
}

// everyKindSpec is a spec using every kind of spec/kind's table as a required,
// optional, nullable, list and map field, of an activity and of a struct, and
// a body of the activity with every field set.
func everyKindSpec(t *testing.T) (yaml, body string) {
	var fields, members []string
	for _, b := range kind.Builtins() {
		sample, ok := sampleJSON[b.Name]
		if !ok {
			t.Fatalf("kind %s has no sample value in sampleJSON (everykind_test.go)", b.Name)
		}
		n := "x" + b.Name
		fields = append(fields,
			fmt.Sprintf("{name: %s, type: %s}", n, b.Name),
			fmt.Sprintf("{name: %sOpt, type: %s, optional: true}", n, b.Name),
			fmt.Sprintf("{name: %sNull, type: %s, nullable: true}", n, b.Name),
			fmt.Sprintf("{name: %sList, type: '[]%s'}", n, b.Name),
			fmt.Sprintf("{name: %sMap, type: 'map[string]%s', optional: true}", n, b.Name),
		)
		members = append(members,
			fmt.Sprintf(`"%s":%s`, n, sample), fmt.Sprintf(`"%sOpt":%s`, n, sample),
			fmt.Sprintf(`"%sNull":%s`, n, sample), fmt.Sprintf(`"%sList":[%s]`, n, sample),
			fmt.Sprintf(`"%sMap":{"k":%s}`, n, sample),
		)
	}
	named := []string{
		"{name: color, type: Color}", "{name: perms, type: Perms, optional: true}",
		"{name: box, type: Box, optional: true}", "{name: boxes, type: '[]Box', optional: true}",
	}
	list := func(fs []string) string { return "\n      - " + strings.Join(fs, "\n      - ") }
	yaml = `name: kinds
discriminator: {key: activity}
session: {field: sessionId}
types:
  - name: Color
    kind: enum
    values: [{name: red}, {name: blue}]
  - name: Perms
    kind: flags
    flag: Perm
    values: [{name: read, number: 1}, {name: write, number: 2}]
  - name: Box
    kind: struct
    fields:` + list(append(append([]string{}, fields...), "{name: color, type: Color, optional: true}")) + `
activities:
  - name: Everything
    direction: both
    role: message
    retry: unsafe
    fields:` + list(append(fields, named...)) + "\n"
	box := `{` + strings.Join(members, ",") + `}`
	body = `{"activity":"Everything","sessionId":1,` + strings.Join(members, ",") +
		`,"color":"blue","perms":["read","write"],"box":` + box + `,"boxes":[` + box + `]}`
	return yaml, body
}

// TestEveryKindCompiles generates a package from a spec using every builtin
// kind and builds, vets and tests it in a module of its own: the Go types,
// readers, writers, "is set" tests and run-time schema of every kind compile,
// a body with every field set decodes and re-encodes to the same JSON, and
// the fake mluvii (mluviitest) knows every kind. A kind added to spec/kind
// fails here until every column that needs it has it.
func TestEveryKindCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test on a generated module")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	yaml, body := everyKindSpec(t)
	files, err := FromSpec("kinds.yaml", []byte(yaml), Options{ImportPath: "example.com/kinds"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := files.WriteDir(dir, false); err != nil {
		t.Fatal(err)
	}
	writeModule(t, dir, map[string]string{
		"go.mod": "module example.com/kinds\n\ngo 1.26\n",
		"kinds_test.go": `package kinds_test

import (
	"encoding/json"
	"testing"

	"example.com/kinds"
)

func TestRoundTrip(t *testing.T) {
	a, err := kinds.Decode([]byte(` + "`" + body + "`" + `))
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	b, err := kinds.Decode(out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	again, _ := json.Marshal(b)
	if string(again) != string(out) {
		t.Errorf("re-encoding differs:\n%s\n%s", out, again)
	}
	if err := a.(*kinds.Everything).Validate(); err != nil {
		t.Error(err)
	}
}
`,
		"mluviitest/kinds_test.go": `package mluviitest_test

import (
	"testing"

	"example.com/kinds/mluviitest"
)

func TestFakeKnowsEveryKind(t *testing.T) { mluviitest.NewServer(t) }
`,
	})
	for _, args := range [][]string{{"vet", "./..."}, {"test", "-count=1", "./..."}} {
		if out, err := goCommand(dir, args...).CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}
