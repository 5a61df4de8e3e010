import type { ComponentType } from 'preact';
import type { Scope } from './session';
import { PlaygroundPage } from './pages/playground/playground';
import { CapabilitiesPage } from './pages/capabilities';
import { ChatPage } from './pages/chat';
import { JobsPage } from './pages/jobs';
import { AdaptersPage } from './pages/adapters';
import { BatchesPage } from './pages/batches';

export interface PageDef {
  path: string;
  title: string;
  /** The scope a key needs for the page's main calls. */
  scope: Scope;
  component: ComponentType;
}

/** The console's pages, in the order of the navigation. */
export const PAGES: PageDef[] = [
  { path: 'playground', title: 'Playground', scope: 'infer', component: PlaygroundPage },
  { path: 'capabilities', title: 'Capabilities', scope: 'infer', component: CapabilitiesPage },
  { path: 'chat', title: 'Chat', scope: 'infer', component: ChatPage },
  { path: 'jobs', title: 'Jobs', scope: 'admin', component: JobsPage },
  { path: 'adapters', title: 'Adapters', scope: 'infer', component: AdaptersPage },
  { path: 'batches', title: 'Batches', scope: 'batch', component: BatchesPage },
];
