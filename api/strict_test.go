package api_test

import (
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/changeboard/changeboard/api"
)

// TestDescriptionIsStrictYAML decodes the description with a YAML parser
// that refuses duplicate mapping keys, as strict clients' parsers do.
func TestDescriptionIsStrictYAML(t *testing.T) {
	var doc map[string]any
	if err := yaml.Unmarshal(api.OpenAPI, &doc); err != nil {
		t.Fatalf("api/openapi.yaml is not strict YAML: %v", err)
	}
}

// TestNullableHasAType holds the OpenAPI 3.0.3 rule that kin-openapi does
// not: "nullable: true" only has an effect beside an explicit type in the
// same schema object. Beside allOf/$ref without a type a strict validator
// refuses null; the form that works is anyOf [$ref, {type, nullable, enum: [null]}].
func TestNullableHasAType(t *testing.T) {
	var root yaml.Node
	if err := yaml.Unmarshal(api.OpenAPI, &root); err != nil {
		t.Fatal(err)
	}
	var bad []string
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode, yaml.SequenceNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.MappingNode:
			keys := map[string]*yaml.Node{}
			for i := 0; i+1 < len(n.Content); i += 2 {
				keys[n.Content[i].Value] = n.Content[i+1]
			}
			if v, ok := keys["nullable"]; ok && v.Value == "true" {
				if _, typed := keys["type"]; !typed {
					bad = append(bad, path+" (line "+strconv.Itoa(n.Line)+")")
				}
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(n.Content[i+1], path+"/"+n.Content[i].Value)
			}
		}
	}
	walk(&root, "")
	if len(bad) > 0 {
		t.Fatalf("nullable without a type (invalid in OpenAPI 3.0.3):\n%s", strings.Join(bad, "\n"))
	}
}
