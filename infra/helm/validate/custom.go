package main

import (
	"context"
	"embed"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	apiextensionsinternal "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsinstall "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/install"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsvalidation "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	structuralpruning "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apiextensions-apiserver/pkg/registry/customresource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	"sigs.k8s.io/yaml"
)

// The CRDs kept in this module: the comment at the top of each says what it covers and whence.
//
//go:embed crds/*.yaml
var embeddedCRDs embed.FS

// customResourceType is one served version of a CRD, ready to validate its objects.
type customResourceType struct {
	source     string
	structural *structuralschema.Structural
	strategy   rest.RESTCreateStrategy
	gvk        schema.GroupVersionKind
	plural     string
	namespaced bool
}

var crdScheme = func() *runtime.Scheme {
	scheme := runtime.NewScheme()
	apiextensionsinstall.Install(scheme)
	return scheme
}()

// loadCustomResourceDefinitions reads the embedded CRDs and those of dir, keyed "group/version/Kind".
func loadCustomResourceDefinitions(dir string) (map[string]*customResourceType, error) {
	sources := map[string][]byte{}
	embedded, _ := embeddedCRDs.ReadDir("crds")
	for _, entry := range embedded {
		data, err := embeddedCRDs.ReadFile("crds/" + entry.Name())
		if err != nil {
			return nil, err
		}
		sources["crds/"+entry.Name()] = data
	}
	if dir != "" {
		paths, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
		if err != nil {
			return nil, err
		}
		if len(paths) == 0 {
			return nil, fmt.Errorf("no *.yaml CRD in %s", dir)
		}
		for _, path := range paths {
			data, err := os.ReadFile(path)
			if err != nil {
				return nil, err
			}
			sources[path] = data
		}
	}
	names := make([]string, 0, len(sources))
	for name := range sources {
		names = append(names, name)
	}
	sort.Strings(names)
	types := map[string]*customResourceType{}
	decoder := serializer.NewCodecFactory(crdScheme, serializer.EnableStrict).UniversalDecoder(apiextensionsv1.SchemeGroupVersion)
	for _, name := range names {
		docs, err := splitDocuments(sources[name])
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		for _, doc := range docs {
			crd := &apiextensionsv1.CustomResourceDefinition{}
			if _, _, err := decoder.Decode(doc, nil, crd); err != nil {
				return nil, fmt.Errorf("%s: not a CustomResourceDefinition: %v", name, err)
			}
			if err := addCustomResourceTypes(types, name, crd); err != nil {
				return nil, err
			}
		}
	}
	return types, nil
}

func addCustomResourceTypes(types map[string]*customResourceType, source string, crd *apiextensionsv1.CustomResourceDefinition) error {
	internal := &apiextensionsinternal.CustomResourceDefinition{}
	if err := crdScheme.Convert(crd, internal, nil); err != nil {
		return fmt.Errorf("%s: %v", source, err)
	}
	// The CRD itself must be one an API server accepts (a structural schema above all).
	if errs := apiextensionsvalidation.ValidateCustomResourceDefinition(context.Background(), internal); len(errs) > 0 {
		return fmt.Errorf("%s: the CRD %s is invalid: %s", source, crd.Name, strings.Join(errorLines(errs), "; "))
	}
	namespaced := crd.Spec.Scope == apiextensionsv1.NamespaceScoped
	for _, version := range crd.Spec.Versions {
		if !version.Served || version.Schema == nil {
			continue
		}
		validation := &apiextensionsinternal.CustomResourceValidation{}
		if err := apiextensionsv1.Convert_v1_CustomResourceValidation_To_apiextensions_CustomResourceValidation(version.Schema, validation, nil); err != nil {
			return fmt.Errorf("%s: %v", source, err)
		}
		structural, err := structuralschema.NewStructural(validation.OpenAPIV3Schema)
		if err != nil {
			return fmt.Errorf("%s: version %s: %v", source, version.Name, err)
		}
		structural = structural.DeepCopy()
		if err := structuraldefaulting.PruneDefaults(structural); err != nil {
			return fmt.Errorf("%s: version %s: %v", source, version.Name, err)
		}
		validator, _, err := apiservervalidation.NewSchemaValidator(validation.OpenAPIV3Schema)
		if err != nil {
			return fmt.Errorf("%s: version %s: %v", source, version.Name, err)
		}
		var status *apiextensionsinternal.CustomResourceSubresourceStatus
		if version.Subresources != nil && version.Subresources.Status != nil {
			status = &apiextensionsinternal.CustomResourceSubresourceStatus{}
		}
		gvk := schema.GroupVersionKind{Group: crd.Spec.Group, Version: version.Name, Kind: crd.Spec.Names.Kind}
		types[gvk.GroupVersion().String()+"/"+gvk.Kind] = &customResourceType{
			source:     source,
			structural: structural,
			// Scale subresources only matter to the /scale endpoint, which nothing here calls.
			strategy:   customresource.NewStrategy(unstructuredTyper{}, namespaced, gvk, validator, nil, structural, status, nil, version.SelectableFields),
			gvk:        gvk,
			plural:     crd.Spec.Names.Plural,
			namespaced: namespaced,
		}
	}
	return nil
}

// validate checks a custom resource as the API server does on create with strict field validation.
func (t *customResourceType) validate(ctx context.Context, doc []byte) []string {
	json, err := yaml.YAMLToJSON(doc)
	if err != nil {
		return []string{err.Error()}
	}
	object := &unstructured.Unstructured{}
	if _, _, err := unstructured.UnstructuredJSONScheme.Decode(json, nil, object); err != nil {
		return []string{err.Error()}
	}
	var problems []string
	for _, path := range structuralpruning.PruneWithOptions(object.Object, t.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true}) {
		problems = append(problems, fmt.Sprintf("unknown field %q (not in the schema of %s)", path, t.source))
	}
	structuraldefaulting.PruneNonNullableNullsWithoutDefaults(object.Object, t.structural)
	if t.namespaced && object.GetNamespace() == "" {
		object.SetNamespace("default")
	}
	ctx = genericapirequest.WithNamespace(ctx, object.GetNamespace())
	ctx = genericapirequest.WithRequestInfo(ctx, &genericapirequest.RequestInfo{
		IsResourceRequest: true, Verb: "create", APIPrefix: "apis", APIGroup: t.gvk.Group, APIVersion: t.gvk.Version,
		Namespace: object.GetNamespace(), Resource: t.plural, Name: object.GetName(),
	})
	t.strategy.PrepareForCreate(ctx, object)
	problems = append(problems, errorLines(rest.ValidateCreate(ctx, object, t.strategy))...)
	return problems
}

// unstructuredTyper names the kind of an unstructured object, as the API server's typer does.
type unstructuredTyper struct{}

func (unstructuredTyper) ObjectKinds(obj runtime.Object) ([]schema.GroupVersionKind, bool, error) {
	return []schema.GroupVersionKind{obj.GetObjectKind().GroupVersionKind()}, false, nil
}

func (unstructuredTyper) Recognizes(schema.GroupVersionKind) bool { return true }
