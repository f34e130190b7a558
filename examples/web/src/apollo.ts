// Apollo Client for the Socrates API:
//  - a split link: subscriptions over graphql-ws (the graphql-transport-ws
//    protocol on /query), queries and mutations over HTTP POST /query;
//  - the access token in every HTTP request's Authorization header and in
//    the websocket's connection_init payload ({"Authorization": "Bearer …"});
//  - on HTTP 401 or an UNAUTHENTICATED error, one refresh with the refresh
//    token and one retry; on a websocket closed with 4403 (the credential
//    expired) graphql-ws reconnects and connectionParams refreshes first;
//  - possibleTypes for the Node interface (src/possibleTypes.json, written
//    from schema/*.graphqls by scripts/possible-types.mjs);
//  - Relay-style pagination of Query.projects in the cache.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { CombinedGraphQLErrors, ServerError } from '@apollo/client/errors';
import { SetContextLink } from '@apollo/client/link/context';
import { ErrorLink } from '@apollo/client/link/error';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition, relayStylePagination } from '@apollo/client/utilities';
import { createClient } from 'graphql-ws';
import { Kind, OperationTypeNode } from 'graphql';
import { from, switchMap, throwError } from 'rxjs';
import { auth, GRAPHQL_PATH } from './auth';
import possibleTypes from './possibleTypes.json';

/** Whether the server refused the credential: HTTP 401 or UNAUTHENTICATED. */
function unauthenticated(error: unknown): boolean {
  if (ServerError.is(error) && error.statusCode === 401) return true;
  return CombinedGraphQLErrors.is(error) && error.errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED');
}

type Listener = () => void;

/** The state of the websocket, for screens that wait for it. */
export class SocketState {
  connected = false;
  private listeners = new Set<Listener>();
  subscribe = (l: Listener) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };
  snapshot = () => this.connected;
  set(connected: boolean) {
    this.connected = connected;
    for (const l of this.listeners) l();
  }
}

export function createApollo() {
  const socket = new SocketState();
  const wsURL = new URL(GRAPHQL_PATH, window.location.href);
  wsURL.protocol = wsURL.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = createClient({
    url: wsURL.toString(),
    lazy: true,
    // Called on every (re)connection: the credential goes in the
    // connection_init payload, refreshed first when it has expired.
    connectionParams: async () => {
      const token = await auth.freshToken();
      return token ? { Authorization: `Bearer ${token}` } : {};
    },
    retryAttempts: 10,
    shouldRetry: () => true,
    on: {
      connected: () => socket.set(true),
      closed: (event) => {
        socket.set(false);
        // 4403: the credential expired or was refused; the next
        // connectionParams call refreshes it.
        if ((event as CloseEvent | undefined)?.code === 4403) auth.expire();
      },
    },
  });

  const withToken = new SetContextLink(async (prevContext) => {
    const token = await auth.freshToken();
    return { headers: { ...prevContext.headers, ...(token ? { Authorization: `Bearer ${token}` } : {}) } };
  });

  const refreshOn401 = new ErrorLink(({ error, operation, forward }) => {
    if (!unauthenticated(error) || operation.getContext().retriedAfterRefresh || !auth.refreshToken()) return;
    auth.expire();
    return from(auth.refresh()).pipe(
      switchMap((ok) => {
        if (!ok) return throwError(() => error);
        operation.setContext({ retriedAfterRefresh: true });
        return forward(operation);
      }),
    );
  });

  const http = ApolloLink.from([refreshOn401, withToken, new HttpLink({ uri: GRAPHQL_PATH })]);

  const link = ApolloLink.split(
    ({ query }) => {
      const def = getMainDefinition(query);
      return def.kind === Kind.OPERATION_DEFINITION && def.operation === OperationTypeNode.SUBSCRIPTION;
    },
    new GraphQLWsLink(ws),
    http,
  );

  const client = new ApolloClient({
    link,
    cache: new InMemoryCache({
      possibleTypes,
      typePolicies: {
        Query: {
          fields: {
            // Pages of one list (same filters and order) are merged; the
            // cursor arguments are not part of the cache key.
            projects: relayStylePagination(['status', 'search', 'orderBy', 'affiliation']),
          },
        },
      },
    }),
  });

  // Another user's credentials: start from an empty cache and a new socket.
  let user = auth.currentUser()?.id;
  auth.subscribe(() => {
    const now = auth.currentUser()?.id;
    if (now !== user) {
      user = now;
      ws.terminate();
      void client.clearStore();
    }
  });

  return { client, socket };
}
