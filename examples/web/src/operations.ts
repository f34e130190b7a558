// The GraphQL operations of the app; field names are the schema's
// (schema/*.graphqls in the repository).
import { gql } from '@apollo/client';

export const AUTH_FIELDS = gql`
  fragment AuthFields on AuthPayload {
    accessToken
    refreshToken
    expiresAt
    user { id email name }
    userErrors { field message code }
  }
`;

export const REGISTER = gql`
  mutation Register($input: RegisterInput!) { register(input: $input) { ...AuthFields } }
  ${AUTH_FIELDS}
`;

export const LOGIN = gql`
  mutation Login($input: LoginInput!) { login(input: $input) { ...AuthFields } }
  ${AUTH_FIELDS}
`;

export const LOGOUT = gql`
  mutation Logout($input: LogoutInput!) { logout(input: $input) { revokedCount userErrors { code message } } }
`;

export const PROJECTS = gql`
  query Projects($first: Int!, $after: String) {
    projects(first: $first, after: $after, orderBy: { field: CREATED_AT, direction: DESC }) {
      totalCount
      edges { cursor node { id name description phase maturity openConflictCount updatedAt } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

export const CREATE_PROJECT = gql`
  mutation CreateProject($input: CreateProjectInput!) {
    createProject(input: $input) { project { id name } userErrors { field message code } }
  }
`;

export const PROJECT = gql`
  query Project($id: ID!) {
    project(id: $id) {
      id name description phase status maturity openConflictCount viewerPermission
      categoryCoverage { category specCount confidenceSum target coverage }
      sessions(first: 10) { totalCount nodes { id status mode startedAt } }
      specifications(first: 50) { totalCount nodes { id category key value status confidence } }
    }
  }
`;

export const START_SESSION = gql`
  mutation StartSession($input: StartSessionInput!) {
    startSession(input: $input) { session { id status mode } userErrors { field message code } }
  }
`;

export const QUESTION_FIELDS = gql`
  fragment QuestionFields on Question {
    id text category context askedAt answer
    specifications { id category key value status confidence }
  }
`;

// The session is read through node(id:), the Node interface: the cache
// needs possibleTypes to match the "... on Session" fragment.
export const SESSION = gql`
  query Session($id: ID!) {
    node(id: $id) {
      id
      ... on Session {
        status mode startedAt
        project { id name maturity openConflictCount }
        currentQuestion { ...QuestionFields }
        questions(last: 20) { nodes { ...QuestionFields } }
      }
    }
  }
  ${QUESTION_FIELDS}
`;

export const QUESTION_STREAM = gql`
  subscription QuestionStream($sessionId: ID!) {
    questionStream(sessionId: $sessionId) {
      kind delta message provider fallback
      question { ...QuestionFields }
    }
  }
  ${QUESTION_FIELDS}
`;

export const ASK_NEXT_QUESTION = gql`
  mutation AskNextQuestion($input: AskNextQuestionInput!) {
    askNextQuestion(input: $input) { question { ...QuestionFields } userErrors { field message code } }
  }
  ${QUESTION_FIELDS}
`;

export const ANSWER_QUESTION = gql`
  mutation AnswerQuestion($input: AnswerQuestionInput!) {
    answerQuestion(input: $input) {
      question { ...QuestionFields }
      specifications { id category key value status confidence }
      conflicts { id type severity description }
      project { id maturity openConflictCount }
      userErrors { field message code }
    }
  }
  ${QUESTION_FIELDS}
`;

export const CONFLICTS = gql`
  query Conflicts($id: ID!) {
    project(id: $id) {
      id name openConflictCount
      conflicts(first: 50, status: OPEN) {
        totalCount
        nodes {
          id type severity status description detectedAt
          specifications { id category key value status }
        }
      }
    }
  }
`;

export const RESOLVE_CONFLICT = gql`
  mutation ResolveConflict($input: ResolveConflictInput!) {
    resolveConflict(input: $input) {
      conflict { id status resolution resolutionNote }
      specifications { id key value status }
      project { id maturity openConflictCount }
      userErrors { field message code }
    }
  }
`;
