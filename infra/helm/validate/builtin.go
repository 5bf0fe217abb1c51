package main

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	_ "k8s.io/kubernetes/pkg/apis/apps/install"
	_ "k8s.io/kubernetes/pkg/apis/autoscaling/install"
	"k8s.io/kubernetes/pkg/apis/core"
	_ "k8s.io/kubernetes/pkg/apis/core/install"
	_ "k8s.io/kubernetes/pkg/apis/networking/install"
	_ "k8s.io/kubernetes/pkg/apis/policy/install"
	"k8s.io/kubernetes/pkg/registry/apps/deployment"
	"k8s.io/kubernetes/pkg/registry/apps/statefulset"
	"k8s.io/kubernetes/pkg/registry/autoscaling/horizontalpodautoscaler"
	"k8s.io/kubernetes/pkg/registry/core/configmap"
	"k8s.io/kubernetes/pkg/registry/core/persistentvolumeclaim"
	"k8s.io/kubernetes/pkg/registry/core/secret"
	"k8s.io/kubernetes/pkg/registry/core/service"
	"k8s.io/kubernetes/pkg/registry/core/serviceaccount"
	"k8s.io/kubernetes/pkg/registry/networking/ingress"
	"k8s.io/kubernetes/pkg/registry/networking/networkpolicy"
	"k8s.io/kubernetes/pkg/registry/policy/poddisruptionbudget"
)

// builtIn is a kind the chart may render: its resource (as in the API's URL) and the strategy the
// API server validates its creation with.
type builtIn struct {
	resource string
	strategy rest.RESTCreateStrategy
}

// builtIns are keyed by group and kind: every version the scheme knows is decoded and validated.
var builtIns = map[schema.GroupKind]builtIn{
	{Group: "apps", Kind: "Deployment"}:                     {"deployments", deployment.Strategy},
	{Group: "apps", Kind: "StatefulSet"}:                    {"statefulsets", statefulset.Strategy},
	{Group: "", Kind: "Service"}:                            {"services", service.Strategy},
	{Group: "", Kind: "ServiceAccount"}:                     {"serviceaccounts", serviceaccount.Strategy},
	{Group: "", Kind: "Secret"}:                             {"secrets", secret.Strategy},
	{Group: "", Kind: "ConfigMap"}:                          {"configmaps", configmap.Strategy},
	{Group: "", Kind: "PersistentVolumeClaim"}:              {"persistentvolumeclaims", persistentvolumeclaim.Strategy},
	{Group: "policy", Kind: "PodDisruptionBudget"}:          {"poddisruptionbudgets", poddisruptionbudget.Strategy},
	{Group: "autoscaling", Kind: "HorizontalPodAutoscaler"}: {"horizontalpodautoscalers", horizontalpodautoscaler.Strategy},
	{Group: "networking.k8s.io", Kind: "NetworkPolicy"}:     {"networkpolicies", networkpolicy.Strategy},
	{Group: "networking.k8s.io", Kind: "Ingress"}:           {"ingresses", ingress.Strategy},
}

// strictCodecs reject unknown and duplicated fields, as `kubectl apply --validate=strict` does.
var strictCodecs = serializer.NewCodecFactory(legacyscheme.Scheme, serializer.EnableStrict)

// validateBuiltIn returns the problems of a built-in object, and false when its kind is not one of
// builtIns or its version is not served.
func validateBuiltIn(ctx context.Context, doc []byte, gvk schema.GroupVersionKind) ([]string, bool) {
	kind, known := builtIns[gvk.GroupKind()]
	if !known || !legacyscheme.Scheme.Recognizes(gvk) {
		return nil, false
	}
	var problems []string
	external, _, err := strictCodecs.UniversalDeserializer().Decode(doc, nil, nil)
	if err != nil {
		if !runtime.IsStrictDecodingError(err) {
			return []string{err.Error()}, true
		}
		// A strict decoding error still decodes the object: report it and validate the rest.
		problems = append(problems, err.Error())
	}
	legacyscheme.Scheme.Default(external)
	internal, convErr := legacyscheme.Scheme.ConvertToVersion(external, schema.GroupVersion{Group: gvk.Group, Version: runtime.APIVersionInternal})
	if convErr != nil {
		return append(problems, "conversion: "+convErr.Error()), true
	}
	object, metaErr := meta.Accessor(internal)
	if metaErr != nil {
		return append(problems, metaErr.Error()), true
	}
	if kind.strategy.NamespaceScoped() && object.GetNamespace() == "" {
		// `helm install -n` sets it; the API server takes the request's namespace.
		object.SetNamespace("default")
	}
	ctx = genericapirequest.WithNamespace(ctx, object.GetNamespace())
	ctx = genericapirequest.WithRequestInfo(ctx, &genericapirequest.RequestInfo{
		IsResourceRequest: true,
		Verb:              "create",
		APIPrefix:         "apis",
		APIGroup:          gvk.Group,
		APIVersion:        gvk.Version,
		Namespace:         object.GetNamespace(),
		Resource:          kind.resource,
		Name:              object.GetName(),
	})
	kind.strategy.PrepareForCreate(ctx, internal)
	if service, ok := internal.(*core.Service); ok && service.Spec.ClusterIP != "" && len(service.Spec.ClusterIPs) == 0 {
		// The Service REST storage does this before validating (normalizeClusterIPs), e.g. for a
		// headless Service's "None"; allocating addresses is all it does besides.
		service.Spec.ClusterIPs = []string{service.Spec.ClusterIP}
	}
	problems = append(problems, errorLines(rest.ValidateCreate(ctx, internal, kind.strategy))...)
	for _, warning := range kind.strategy.WarningsOnCreate(ctx, internal) {
		problems = append(problems, fmt.Sprintf("warning: %s", warning))
	}
	return problems, true
}
