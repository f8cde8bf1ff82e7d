package main

import (
	"sort"

	"github.com/open-telemetry/opamp-go/protobufs"
	"gopkg.in/yaml.v3"
)

// effectiveConfig computes the config the agent runs: with mergeLocal, the local config with every
// remote file merged onto it (named files in name order, then the "" instance file last, as the
// opamp-go example agent does); without it, the remote files alone (or the local config while no
// remote config was received).
func effectiveConfig(local []byte, remote *protobufs.AgentConfigMap, mergeLocal bool) ([]byte, error) {
	merged := map[string]any{}
	if mergeLocal || remote == nil || len(remote.ConfigMap) == 0 {
		if err := yaml.Unmarshal(local, &merged); err != nil {
			return nil, err
		}
		if merged == nil {
			merged = map[string]any{}
		}
	}
	if remote != nil {
		names := make([]string, 0, len(remote.ConfigMap))
		for name := range remote.ConfigMap {
			if name != "" {
				names = append(names, name)
			}
		}
		sort.Strings(names)
		if _, ok := remote.ConfigMap[""]; ok {
			names = append(names, "")
		}
		for _, name := range names {
			var doc map[string]any
			if err := yaml.Unmarshal(remote.ConfigMap[name].Body, &doc); err != nil {
				return nil, err
			}
			merged = mergeMaps(merged, doc)
		}
	}
	return yaml.Marshal(merged)
}

func mergeMaps(dst, src map[string]any) map[string]any {
	for k, v := range src {
		sv, sok := v.(map[string]any)
		dv, dok := dst[k].(map[string]any)
		if sok && dok {
			dst[k] = mergeMaps(dv, sv)
			continue
		}
		dst[k] = v
	}
	return dst
}
