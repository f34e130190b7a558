// Starts GraphiQL against this server: HTTP for queries and mutations, and
// graphql-transport-ws for subscriptions. The Authorization header typed in
// the IDE's Headers tab is also sent in the websocket's connection_init.
(function () {
  var httpUrl = location.origin + '/query';
  var wsUrl = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/query';

  function storedHeaders() {
    try {
      var raw = localStorage.getItem('graphiql:headers');
      return raw ? JSON.parse(raw) : {};
    } catch (e) {
      return {};
    }
  }

  var wsClient = graphqlWs.createClient({
    url: wsUrl,
    lazy: true,
    connectionParams: function () {
      var h = storedHeaders();
      var auth = h.Authorization || h.authorization;
      return auth ? { Authorization: auth } : {};
    },
  });

  var defaultQuery = [
    '# Welcome to Socrates.',
    '#',
    '# 1. Run the register (or login) mutation below.',
    '# 2. Copy accessToken into the Headers tab as',
    '#    { "Authorization": "Bearer <accessToken>" }',
    '# 3. Run the viewer query.',
    '',
    'mutation Register {',
    '  register(input: { email: "me@example.com", password: "correct horse battery" }) {',
    '    accessToken',
    '    refreshToken',
    '    userErrors { field message code }',
    '  }',
    '}',
    '',
    'query Viewer {',
    '  viewer { id email }',
    '}',
    '',
  ].join('\n');

  var fetcher = GraphiQL.createFetcher({ url: httpUrl, wsClient: wsClient });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultQuery: defaultQuery,
    defaultEditorToolsVisibility: true,
    shouldPersistHeaders: true,
  }));
})();
