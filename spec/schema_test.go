package spec

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(SchemaJSON))
	if err != nil {
		t.Fatalf("schema.json: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("schema.json")
	if err != nil {
		t.Fatalf("compile schema.json: %v", err)
	}
	return sch
}

// yamlToJSONValue converts a YAML document into the value encoding/json would
// produce for the same data, which is what the schema validator expects.
func yamlToJSONValue(data []byte) (any, error) {
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(b))
}

// TestSchemaValidatesSpecs checks the default spec and every golden spec and
// overlay against schema.json. Golden error cases (a stderr.golden beside the
// spec, or a directory named err_*) hold deliberately wrong specs and are skipped.
func TestSchemaValidatesSpecs(t *testing.T) {
	sch := compileSchema(t)
	files := []string{"mluvii.yaml"}
	for _, pattern := range []string{"../golden/*/spec.yaml", "../golden/*/overlay*.yaml"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	sort.Strings(files[1:])
	for _, file := range files {
		t.Run(file, func(t *testing.T) {
			dir := filepath.Dir(file)
			if _, err := os.Stat(filepath.Join(dir, "stderr.golden")); err == nil || strings.HasPrefix(filepath.Base(dir), "err_") {
				t.Skip("error case")
			}
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			v, err := yamlToJSONValue(data)
			if err != nil {
				// Golden cases may hold deliberately broken YAML; the parser's
				// tests cover those.
				t.Skipf("not YAML: %v", err)
			}
			if err := sch.Validate(v); err != nil {
				t.Errorf("%s does not match schema.json:\n%v", file, err)
			}
		})
	}
}

// TestSchemaRejects makes sure the schema is not vacuous.
func TestSchemaRejects(t *testing.T) {
	sch := compileSchema(t)
	for name, src := range map[string]string{
		"unknown top-level key": "nmae: x\n",
		"unknown activity key":  "activities: [{name: A, directon: toMluvii}]\n",
		"bad direction":         "activities: [{name: A, direction: up}]\n",
		"bad role":              "activities: [{name: A, role: reply}]\n",
		"bad retry":             "activities: [{name: A, retry: maybe}]\n",
		"bad kind":              "types: [{name: T, kind: union}]\n",
		"bad cell":              "activities: [{name: A, channels: {WebChat: maybe}}]\n",
		"bad cell object":       "activities: [{name: A, channels: {WebChat: {support: yes, sauce: x}}}]\n",
		"bad type expression":   "activities: [{name: A, fields: [{name: f, type: \"map[int]string\"}]}]\n",
		"field without name":    "envelope: [{type: string}]\n",
		"foldCase not bool":     "discriminator: {key: activity, foldCase: sometimes}\n",
		"lower-case source key": "sources: [{key: d1, title: docs}]\n",
		"relative source url":   "sources: [{key: D1, title: docs, url: docs.mluvii.com}]\n",
		"unknown source key":    "sources: [{key: D1, titel: docs}]\n",
	} {
		t.Run(name, func(t *testing.T) {
			v, err := yamlToJSONValue([]byte(src))
			if err != nil {
				t.Fatal(err)
			}
			if sch.Validate(v) == nil {
				t.Errorf("schema accepts %q", src)
			}
		})
	}
}

// schemaDefs maps each Go type of the spec format to its place in schema.json.
var schemaDefs = map[reflect.Type]string{
	reflect.TypeFor[Spec]():          "",
	reflect.TypeFor[Discriminator](): "discriminator",
	reflect.TypeFor[Session]():       "session",
	reflect.TypeFor[Reference]():     "reference",
	reflect.TypeFor[Channel]():       "channel",
	reflect.TypeFor[Type]():          "type",
	reflect.TypeFor[EnumValue]():     "enumValue",
	reflect.TypeFor[Activity]():      "activity",
	reflect.TypeFor[Match]():         "match",
	reflect.TypeFor[Cell]():          "cell",
	reflect.TypeFor[Field]():         "field",
}

// TestSchemaMatchesSpecTypes checks that every yaml key of the spec types is in
// schema.json and that the schema has no key the parser would reject.
func TestSchemaMatchesSpecTypes(t *testing.T) {
	var schema struct {
		Properties map[string]json.RawMessage `json:"properties"`
		Defs       map[string]json.RawMessage `json:"$defs"`
	}
	if err := json.Unmarshal(SchemaJSON, &schema); err != nil {
		t.Fatal(err)
	}
	// Every spec struct type reachable from Spec must be listed in schemaDefs.
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(rt reflect.Type) {
		for rt.Kind() == reflect.Pointer || rt.Kind() == reflect.Slice || rt.Kind() == reflect.Map {
			rt = rt.Elem()
		}
		if rt.Kind() != reflect.Struct || rt.PkgPath() != reflect.TypeFor[Spec]().PkgPath() || rt == posType || seen[rt] {
			return
		}
		seen[rt] = true
		if _, ok := schemaDefs[rt]; !ok {
			t.Errorf("spec type %s has no entry in schemaDefs", rt.Name())
		}
		for i := range rt.NumField() {
			if yamlTag(rt.Field(i)) != "" {
				walk(rt.Field(i).Type)
			}
		}
	}
	walk(reflect.TypeFor[Spec]())

	for rt, def := range schemaDefs {
		var goKeys []string
		for i := range rt.NumField() {
			if tag := yamlTag(rt.Field(i)); tag != "" {
				goKeys = append(goKeys, tag)
			}
		}
		props, path := schema.Properties, "#"
		if def != "" {
			path = "#/$defs/" + def
			raw, ok := schema.Defs[def]
			if !ok {
				t.Errorf("schema.json has no $defs/%s for %s", def, rt.Name())
				continue
			}
			props = objectProperties(t, def, raw)
		}
		var schemaKeys []string
		for k := range props {
			schemaKeys = append(schemaKeys, k)
		}
		slices.Sort(goKeys)
		slices.Sort(schemaKeys)
		if diff := cmp.Diff(goKeys, schemaKeys); diff != "" {
			t.Errorf("%s: yaml keys differ from schema.json %s (-go +schema):\n%s", rt.Name(), path, diff)
		}
	}
}

// objectProperties returns the properties of a $defs entry, looking into the
// object branch of a oneOf (cells are a bare value or an object).
func objectProperties(t *testing.T, def string, raw json.RawMessage) map[string]json.RawMessage {
	t.Helper()
	var d struct {
		Properties map[string]json.RawMessage `json:"properties"`
		OneOf      []struct {
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"oneOf"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("$defs/%s: %v", def, err)
	}
	if d.Properties != nil {
		return d.Properties
	}
	for _, alt := range d.OneOf {
		if alt.Properties != nil {
			return alt.Properties
		}
	}
	t.Errorf("$defs/%s has no properties", def)
	return nil
}

func yamlTag(f reflect.StructField) string {
	tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if tag == "-" {
		return ""
	}
	return tag
}
