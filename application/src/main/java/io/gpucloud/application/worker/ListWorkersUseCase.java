package io.gpucloud.application.worker;

import io.gpucloud.domain.worker.WorkerInfo;

import java.util.List;

/** The GPU workers heard from recently, ordered by id, silent ones shown as lost. Blocking (a registry round trip). */
public interface ListWorkersUseCase {
    List<WorkerInfo> list();
}
