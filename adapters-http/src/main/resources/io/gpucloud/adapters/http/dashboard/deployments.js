// Deployments: the list with live status (provisioning, running, failed and why), create, delete.

import { badge, byId, cell, h, reconcileRows } from './dom.js';
import { clearFormError, confirmAction, openDialog, showFormError } from './dialogs.js';
import { formatAgo, formatDateTime } from './format.js';

function deploymentRequest(form) {
  const name = form.elements.name.value.trim();
  const modelType = form.elements.modelType.value.trim();
  if (!name) throw Object.assign(new Error('Give the deployment a name.'), { param: 'name' });
  if (!modelType) throw Object.assign(new Error('Name the model clients will send.'), { param: 'modelType' });
  const body = { name, modelType, engine: form.elements.engine.value };
  if (body.engine === 'openai') {
    const endpoints = form.elements.endpoints.value.split(/\s+/).filter(Boolean);
    if (!endpoints.length) {
      throw Object.assign(new Error('An openai deployment needs at least one upstream base URL.'), { param: 'endpoints' });
    }
    body.endpoints = endpoints;
    const upstreamModel = form.elements.upstreamModel.value.trim();
    const keyEnv = form.elements.upstreamApiKeyEnv.value.trim();
    if (upstreamModel) body.upstreamModel = upstreamModel;
    if (keyEnv) body.upstreamApiKeyEnv = keyEnv;
  }
  return body;
}

export function createDeploymentsView(ctx) {
  const tbody = byId('deployments-table').tBodies[0];
  let deployments = [];

  function statusCell(deployment) {
    return cell('Status', badge(deployment.status),
      deployment.reason ? h('span', { class: 'reason' }, deployment.reason) : '');
  }

  function row(deployment) {
    return h('tr', { dataset: { id: deployment.id, status: deployment.status } },
      h('th', { scope: 'row', dataset: { label: 'Name' } }, deployment.name),
      cell('Model', h('code', {}, deployment.modelType)),
      cell('Engine', deployment.engine),
      statusCell(deployment),
      cell('Endpoints', deployment.endpoints.length ? deployment.endpoints.join(', ') : '—'),
      cell('Updated', h('span', { title: formatDateTime(deployment.updatedAt) }, formatAgo(deployment.updatedAt))),
      h('td', { class: 'actions' }, h('button', { type: 'button', class: 'btn danger small', dataset: { action: 'delete' },
        'aria-label': `Delete ${deployment.name}`, onclick: () => remove(deployment) }, 'Delete')));
  }

  function render() {
    byId('deployments-empty').hidden = deployments.length > 0;
    const minute = Math.floor(Date.now() / 60000);
    reconcileRows(tbody, deployments, d => d.id, d => JSON.stringify([d, minute]), row);
  }

  async function remove(deployment) {
    const deleted = await confirmAction({
      title: `Delete “${deployment.name}”?`,
      body: `Clients asking for ${deployment.modelType} will no longer reach this deployment. This cannot be undone.`,
      confirmLabel: 'Delete deployment',
      action: () => ctx.api().remove(`/api/deployments/${encodeURIComponent(deployment.id)}`),
    });
    if (deleted) {
      ctx.notify(`Deployment “${deployment.name}” deleted.`);
      await ctx.refresh();
    }
  }

  const dialog = byId('deployment-dialog');
  const form = byId('deployment-form');
  const error = byId('deployment-error');
  const engine = byId('deployment-engine');
  const syncEngine = () => { byId('deployment-upstream').hidden = engine.value !== 'openai'; };
  engine.addEventListener('change', syncEngine);
  byId('deployment-new').addEventListener('click', () => {
    form.reset();
    syncEngine();
    clearFormError(form, error);
    openDialog(dialog, byId('deployment-name'));
  });
  form.addEventListener('submit', async event => {
    event.preventDefault();
    clearFormError(form, error);
    const submit = byId('deployment-create');
    submit.disabled = true;
    try {
      const created = await ctx.api().post('/api/deployments', deploymentRequest(form));
      dialog.close();
      ctx.notify(`Deployment “${created.name}” created: ${created.status}.`);
      ctx.refresh();
    } catch (failure) {
      showFormError(form, error, failure);
    } finally {
      submit.disabled = false;
    }
  });

  return {
    async load(api) {
      deployments = (await api.get('/api/deployments')).deployments;
    },
    render,
  };
}
