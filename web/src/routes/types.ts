import type { Component } from 'svelte';
import type { Params } from '../lib/router.ts';

/** Every page gets the parameters of its path pattern. */
export interface PageProps {
  params: Params;
}

export type PageComponent = Component<PageProps>;
