package generator

import (
	"bytes"
	"fmt"
	"strings"
	"text/template"

	"github.com/mluviigen/mluviigen/generator/ir"
	"github.com/mluviigen/mluviigen/templates"
)

// docs renders the Markdown reference (ACTIVITIES.md) with the channel matrix
// and its sources from templates/docs/activities.md.tmpl.
func (g *gen) docs() ([]byte, error) {
	tmpl, err := template.New("activities").Parse(templates.ActivitiesMarkdown)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, g.docView()); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

type (
	docPage struct {
		Package, SpecPath, Doc, Docs string
		ClientNote                   string // what the Client covers (channels.go)
		Channels                     []string
		ChannelSources               []docChannel
		Activities                   []docActivity
		Types                        []docType
		Sources                      []docSource // the legend of the cited keys
	}
	docSource   struct{ Key, Title, URL string }
	docChannel  struct{ Name, Sources, Doc string }
	docActivity struct {
		Wire, GoName, Anchor, Role, Direction, Retry string
		Response, ResponseAnchor, Requests           string
		Doc, Deprecated, Source, Docs, OneOf         string
		Client                                       string // its Client methods, or why there are none
		Fields                                       []docField
		Cells                                        []docCell
	}
	docCell  struct{ Channel, Mark, Source string }
	docField struct{ Wire, Aliases, GoName, Type, Required, Doc string }
	docType  struct {
		Name, GoName, Kind, Doc string
		Fields                  []docField
		Values                  []docValue
	}
	docValue struct{ Wire, Number, Doc string }
)

func (g *gen) docView() docPage {
	api := g.api
	p := docPage{Package: g.pkg, SpecPath: g.opts.SpecPath, Doc: strings.Join(g.packageDoc(), "\n"), Docs: api.Docs}
	for _, c := range api.Channels {
		p.Channels = append(p.Channels, c.Name)
		p.ChannelSources = append(p.ChannelSources, docChannel{Name: c.Name, Sources: "`" + strings.Join(c.Sources, "`, `") + "`", Doc: oneLine(c.Doc)})
	}
	p.ClientNote = g.clientNote()
	methods := map[*ir.Activity]*clientMethod{}
	for _, m := range g.plan().methods {
		methods[m.a] = m
	}
	for _, a := range api.Activities {
		d := g.docActivity(a)
		if a.Direction.Sent() {
			d.Client = g.clientDoc(a, methods[a])
		}
		p.Activities = append(p.Activities, d)
	}
	for _, st := range api.Structs {
		p.Types = append(p.Types, docType{Name: st.Name, GoName: st.GoName, Kind: "Object", Doc: oneLine(st.Doc), Fields: docFields(st.Fields)})
	}
	for _, e := range api.Enums {
		t := docType{Name: e.Name, GoName: e.GoName, Kind: "Open enum", Doc: oneLine(e.Doc)}
		if e.Flags {
			t.Kind = "Flag set (a list of `" + e.FlagGoName + "`)"
		}
		for _, v := range e.Values {
			num := "–"
			if v.HasNumber {
				num = fmt.Sprint(v.Number)
			}
			t.Values = append(t.Values, docValue{Wire: v.Wire, Number: num, Doc: oneLine(v.Doc)})
		}
		p.Types = append(p.Types, t)
	}
	for _, r := range api.Sources {
		p.Sources = append(p.Sources, docSource{Key: r.Key, Title: oneLine([]string{r.Title}), URL: r.URL})
	}
	return p
}

func (g *gen) docActivity(a *ir.Activity) docActivity {
	d := docActivity{
		Wire: a.Wire, GoName: a.GoName, Anchor: anchor(a.Wire), Role: roleName(a.Role), Direction: directionName(a.Direction),
		Doc: oneLine(a.Doc), Deprecated: a.Deprecated, Source: a.Source, Docs: a.Docs, Fields: docFields(a.Fields),
	}
	if a.Direction.Sent() {
		d.Retry = "unsafe (sent once)"
		if a.RetrySafe {
			d.Retry = "safe"
		}
	}
	if a.Response != nil {
		d.Response, d.ResponseAnchor = a.Response.Wire, anchor(a.Response.Wire)
	}
	var reqs []string
	for _, r := range a.Requests {
		reqs = append(reqs, fmt.Sprintf("[%s](#%s)", r.Wire, anchor(r.Wire)))
	}
	d.Requests = strings.Join(reqs, " and ")
	var groups []string
	for _, group := range a.OneOf {
		groups = append(groups, "`"+strings.Join(wireNames(group), "`, `")+"`")
	}
	d.OneOf = strings.Join(groups, "; ")
	for _, c := range a.Channels {
		d.Cells = append(d.Cells, docCell{Channel: c.Channel.Name, Mark: supportMark(c.Support), Source: c.Source})
	}
	return d
}

func docFields(fs []*ir.Field) []docField {
	var out []docField
	for _, f := range fs {
		df := docField{Wire: f.Wire, GoName: f.GoName, Type: typeExpr(f.Type), Required: "yes", Doc: oneLine(f.Doc)}
		if f.Optional {
			df.Required = "no"
		}
		if len(f.Aliases) > 0 {
			df.Aliases = " (also `" + strings.Join(f.Aliases, "`, `") + "`)"
		}
		if f.Deprecated != "" {
			df.Doc += " **Deprecated:** " + oneLine([]string{f.Deprecated})
		}
		if len(f.Channels) > 0 {
			df.Doc += " **Channels when set:** " + fieldCells(f.Channels)
		}
		out = append(out, df)
	}
	return out
}

// fieldCells renders a field's own channel cells, each with its source.
func fieldCells(cells []*ir.Cell) string {
	var parts []string
	for _, c := range cells {
		parts = append(parts, fmt.Sprintf("%s %s", c.Channel.Name, supportMark(c.Support)))
	}
	sources := map[string]bool{}
	var srcs []string
	for _, c := range cells {
		if c.Source != "" && !sources[c.Source] {
			sources[c.Source] = true
			srcs = append(srcs, c.Source)
		}
	}
	out := strings.Join(parts, ", ")
	if len(srcs) > 0 {
		out += " (" + strings.Join(srcs, "; ") + ")"
	}
	return oneLine([]string{out})
}

// oneLine joins doc lines for a table cell (pipes escaped).
func oneLine(lines []string) string {
	return strings.ReplaceAll(strings.Join(lines, " "), "|", `\|`)
}

// anchor is GitHub's heading anchor for a one-word heading.
func anchor(heading string) string { return strings.ToLower(heading) }

func supportMark(s ir.Support) string {
	switch s {
	case ir.Yes:
		return "✔"
	case ir.No:
		return "✘"
	}
	return "?"
}

func roleName(r ir.Role) string {
	return strings.TrimPrefix(strings.ToLower(roleConst(r)), "role")
}

func directionName(d ir.Direction) string {
	switch d {
	case ir.ToMluvii:
		return "bot → mluvii"
	case ir.FromMluvii:
		return "mluvii → bot"
	}
	return "both ways"
}

// packageDoc is the package documentation, naming the output package.
func (g *gen) packageDoc() []string {
	doc := append([]string{}, g.api.Doc...)
	if len(doc) > 0 {
		doc[0] = strings.Replace(doc[0], "Package "+g.api.Name+" ", "Package "+g.pkg+" ", 1)
	}
	return doc
}
