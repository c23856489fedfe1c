package io.gpucloud.cli;

import picocli.CommandLine;

final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String version = GpuCloudCli.class.getPackage().getImplementationVersion();
        return new String[] {"gpucloud " + (version == null ? "development build" : version)};
    }
}
