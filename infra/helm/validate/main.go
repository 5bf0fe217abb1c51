// Command helm-validate checks rendered Kubernetes objects (the output of `helm template`) offline,
// as an API server would on create: every document is decoded strictly (an unknown or duplicated
// field, or a value of the wrong type, is an error), defaulted, converted and validated by the
// Kubernetes API server's own validation (the registry strategies of k8s.io/kubernetes: hand-written
// and declarative rules). A custom resource is validated against its CustomResourceDefinition with
// the apiextensions-apiserver's code: unknown fields (pruning), the OpenAPI schema, list-type
// invariants and x-kubernetes-validations (CEL) rules. A kind it has no schema for is an error.
//
//	helm-validate [-crds DIR] FILE... (or - for standard input)
//
// CRDs come from crds/ (embedded) and from every *.yaml file of -crds DIR (by default the crds
// directory beside the executable, where infra/helm/ensure.sh puts the CRDs it takes from Go
// modules). It prints one line per problem and a summary, and exits 1 when any object is invalid.
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// problem is one finding about one document.
type problem struct {
	where   string
	message string
}

func main() {
	crdDir := flag.String("crds", besideExecutable("crds"), "a directory of CustomResourceDefinition *.yaml files besides the embedded ones")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: helm-validate [-crds DIR] FILE... (- reads standard input)")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	custom, err := loadCustomResourceDefinitions(*crdDir)
	if err != nil {
		fmt.Fprintf(os.Stderr, "helm-validate: %v\n", err)
		os.Exit(2)
	}
	var problems []problem
	kinds := map[string]int{}
	total := 0
	for _, name := range flag.Args() {
		data, err := readInput(name)
		if err != nil {
			fmt.Fprintf(os.Stderr, "helm-validate: %v\n", err)
			os.Exit(2)
		}
		docs, err := splitDocuments(data)
		if err != nil {
			problems = append(problems, problem{name, err.Error()})
			continue
		}
		for i, doc := range docs {
			total++
			kind, found := validateDocument(context.Background(), doc, custom)
			where := fmt.Sprintf("%s: document %d", name, i+1)
			if kind != "" {
				where += " (" + kind + ")"
				kinds[strings.SplitN(kind, "/", 2)[0]]++
			}
			for _, message := range found {
				problems = append(problems, problem{where, message})
			}
		}
	}
	for _, p := range problems {
		fmt.Printf("INVALID %s: %s\n", p.where, p.message)
	}
	names := make([]string, 0, len(kinds))
	for kind, count := range kinds {
		names = append(names, fmt.Sprintf("%s %d", kind, count))
	}
	sort.Strings(names)
	fmt.Printf("%d objects, %d problems (%s)\n", total, len(problems), strings.Join(names, ", "))
	if len(problems) > 0 {
		os.Exit(1)
	}
}

// besideExecutable is the path of name in the executable's directory, or "" when there is none.
func besideExecutable(name string) string {
	executable, err := os.Executable()
	if err != nil {
		return ""
	}
	path := filepath.Join(filepath.Dir(executable), name)
	if info, err := os.Stat(path); err != nil || !info.IsDir() {
		return ""
	}
	return path
}

func readInput(name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(os.Stdin)
	}
	return os.ReadFile(name)
}

// splitDocuments returns the non-empty documents of a YAML stream, as JSON.
func splitDocuments(data []byte) ([][]byte, error) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var docs [][]byte
	for {
		doc, err := reader.Read()
		if err == io.EOF {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		var value interface{}
		if err := yaml.Unmarshal(doc, &value); err != nil {
			return nil, fmt.Errorf("not YAML: %v", err)
		}
		if value == nil {
			continue // only comments, as helm prints for a template that renders nothing
		}
		docs = append(docs, doc)
	}
}

// validateDocument returns "Kind/name" when it can tell, and the problems found.
func validateDocument(ctx context.Context, doc []byte, custom map[string]*customResourceType) (string, []string) {
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if err := yaml.Unmarshal(doc, &head); err != nil {
		return "", []string{"not an object: " + err.Error()}
	}
	if head.APIVersion == "" || head.Kind == "" {
		return "", []string{"apiVersion and kind are required"}
	}
	kind := head.Kind + "/" + head.Metadata.Name
	if crt, ok := custom[head.APIVersion+"/"+head.Kind]; ok {
		return kind, crt.validate(ctx, doc)
	}
	found, known := validateBuiltIn(ctx, doc, schema.FromAPIVersionAndKind(head.APIVersion, head.Kind))
	if !known {
		return kind, []string{fmt.Sprintf("no schema for apiVersion %s, kind %s: neither a built-in kind nor one of the CRDs given", head.APIVersion, head.Kind)}
	}
	return kind, found
}

func errorLines(errs field.ErrorList) []string {
	lines := make([]string, 0, len(errs))
	for _, err := range errs {
		lines = append(lines, err.Error())
	}
	return lines
}
