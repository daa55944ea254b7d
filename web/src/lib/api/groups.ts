/**
 * Group watching on a firm's computer (集体观看, server/groups): typed calls for the shared screen
 * (host) and the member's own phone. Takes the client, so the web (`groupsApi(api)`) and the tests
 * (a TestClient) call the same methods. Types from the server's route schemas (type-only).
 */
import type { ApiClient } from './client.ts';
import type { HeartbeatRequest } from './types.ts';
import type {
  GroupHeartbeatAnswer,
  GroupMemberBeat,
  GroupMemberView,
  GroupSessionView,
  GroupStarted,
  JoinCodeView,
  MemberCredentials,
  MyGroupView,
  ScreenPresenceBody,
} from '../../../../server/groups/schemas.ts';

/** MemberCredentials: how a colleague confirms at the shared screen, their own password or the code their phone shows. */
export type { GroupHeartbeatAnswer, GroupMemberBeat, GroupMemberView, GroupSessionView, GroupStarted, JoinCodeView, MemberCredentials, MyGroupView, ScreenPresenceBody };

const enc = encodeURIComponent;

export function groupsApi(client: ApiClient) {
  const base = (groupId: string) => `/api/group-sessions/${enc(groupId)}`;
  return {
    start: (lectureId: string) => client.request<GroupStarted>('POST', '/api/group-sessions', { body: { lectureId } }),
    get: (groupId: string, signal?: AbortSignal) => client.request<GroupSessionView>('GET', base(groupId), { signal }),
    addMember: (groupId: string, credentials: MemberCredentials) => client.request<GroupSessionView>('POST', `${base(groupId)}/members`, { body: credentials }),
    leave: (groupId: string, userId: string) => client.request<GroupSessionView>('POST', `${base(groupId)}/members/${enc(userId)}/leave`),
    end: (groupId: string) => client.request<GroupSessionView>('POST', `${base(groupId)}/end`),
    heartbeat: (groupId: string, body: HeartbeatRequest) => client.request<GroupHeartbeatAnswer>('POST', `${base(groupId)}/heartbeats`, { body }),
    confirmOnScreen: (groupId: string, userId: string, body: ScreenPresenceBody) =>
      client.request<void>('POST', `${base(groupId)}/members/${enc(userId)}/presence`, { body }),
    presenceImageUrl: (groupId: string, userId: string, checkId: string) => client.url(`${base(groupId)}/members/${enc(userId)}/presence/${enc(checkId)}/image.png`),
    joinCode: () => client.request<JoinCodeView>('POST', '/api/me/group-join-code'),
    myGroup: (signal?: AbortSignal) => client.request<MyGroupView>('GET', '/api/me/group-session', { signal }),
  };
}

export type GroupsApi = ReturnType<typeof groupsApi>;
